import type { Flag, LabEvent, Segment } from '../src/model';

export const CLIENT = '10.0.0.1:40000';
export const SERVER = '10.0.0.2:80';

let index = 0;

export function resetIndex(): void {
  index = 0;
}

export function seg(id: number, from: 'client' | 'server', flags: Flag[], seq: number, ack = 0, len = 0, origin = 'original'): Segment {
  const [src, dst] = from === 'client' ? [CLIENT, SERVER] : [SERVER, CLIENT];
  return { id, src, dst, seq, ack, flags, window: 65535, len, origin };
}

export function ev(kind: string, timeMs: number, extra: Partial<LabEvent> = {}): LabEvent {
  return { index: index++, step: 0, timeMs, kind, endpoint: 'client', rule: 'r', explanation: 'x', reference: 'RFC 9293', ...extra };
}

export const sent = (t: number, s: Segment, dueMs: number) =>
  ev('segment-sent', t, { segment: s, dueMs, endpoint: s.src === CLIENT ? 'client' : 'server' });
export const delivered = (t: number, s: Segment) => ev('segment-delivered', t, { segment: s, endpoint: s.dst === CLIENT ? 'client' : 'server' });
export const dropped = (t: number, s: Segment) => ev('segment-dropped', t, { segment: s, endpoint: 'link', explanation: 'lost' });
export const state = (t: number, endpoint: string, from: LabEvent['from'], to: LabEvent['to']) => ev('state-changed', t, { endpoint, from, to });

/** The 3-way handshake with a 10 ms link, as the rfc9293 profile traces it. */
export function handshake(): LabEvent[] {
  resetIndex();
  const syn = seg(1, 'client', ['SYN'], 1000);
  const synAck = seg(2, 'server', ['ACK', 'SYN'], 5000, 1001);
  const ack = seg(3, 'client', ['ACK'], 1001, 5001);
  return [
    state(0, 'server', 'CLOSED', 'LISTEN'),
    state(0, 'client', 'CLOSED', 'SYN_SENT'),
    sent(0, syn, 10),
    delivered(10, syn),
    state(10, 'server', 'LISTEN', 'SYN_RECEIVED'),
    sent(10, synAck, 20),
    delivered(20, synAck),
    state(20, 'client', 'SYN_SENT', 'ESTABLISHED'),
    sent(20, ack, 30),
    delivered(30, ack),
    state(30, 'server', 'SYN_RECEIVED', 'ESTABLISHED'),
  ];
}
