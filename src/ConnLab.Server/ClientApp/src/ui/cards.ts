// Both endpoints' TCB variables (RFC 9293 §3.3.1), buffers and running timers.
import type { Session, Socket, Timer } from '../model';
import { fmt, h, setText } from '../dom';

const fields: [string, (s: Socket) => string, string][] = [
  ['ISS', (s) => String(s.iss), 'initial send sequence number'],
  ['IRS', (s) => String(s.irs), 'initial receive sequence number'],
  ['SND.UNA', (s) => String(s.sndUna), 'oldest unacknowledged sequence number'],
  ['SND.NXT', (s) => String(s.sndNxt), 'next sequence number to send'],
  ['SND.WND', (s) => String(s.sndWnd), 'send window (the peer\'s advertised window)'],
  ['RCV.NXT', (s) => String(s.rcvNxt), 'next sequence number expected'],
  ['RCV.WND', (s) => String(s.rcvWnd), 'receive window'],
  ['send buffer', (s) => `${s.sendQueue} B`, 'octets queued to send or unacknowledged'],
  ['receive buffer', (s) => `${s.receiveQueue} B`, 'octets received, not yet read'],
  ['cwnd', (s) => `${s.cwnd} B`, 'congestion window'],
  ['RTO', (s) => `${fmt(s.rtoMs)} ms`, 'retransmission timeout'],
  ['SRTT', (s) => `${fmt(s.srttMs)} ms`, 'smoothed round-trip time'],
  ['retries', (s) => String(s.retries), 'retransmissions of the oldest segment'],
];

// A listener has no buffers: where a connection's go, the snapshot gives its backlog and accept queue (as netstat and
// ss -lt do in Send-Q and Recv-Q), so the card names them for what they are.
const listening: Record<string, [string, (s: Socket) => string, string]> = {
  'send buffer': ['backlog', (s) => String(s.sendQueue), 'the backlog passed to listen(): how many connections may wait for accept()'],
  'receive buffer': ['accept queue', (s) => String(s.receiveQueue), 'established connections waiting for accept()'],
};

class Card {
  readonly root: HTMLElement;
  private state: HTMLElement;
  private addr: HTMLElement;
  private labels: HTMLElement[] = [];
  private values: HTMLElement[] = [];
  private timers: HTMLElement;

  constructor(readonly who: 'client' | 'server') {
    this.state = h('p', { class: 'state', 'data-testid': `state-${who}`, 'aria-live': 'polite' });
    this.addr = h('p', { class: 'addr' });
    const dl = h('dl', { class: 'tcb' });
    for (const [name, , title] of fields) {
      const dt = h('dt', { title }, name);
      const dd = h('dd', { 'data-field': name });
      this.labels.push(dt);
      this.values.push(dd);
      dl.append(dt, dd);
    }
    this.timers = h('ul', { class: 'timers', 'aria-label': `${who} timers` });
    this.root = h('section', { class: `panel card ${who}`, 'data-testid': `card-${who}`, 'aria-label': `${who} endpoint` },
      h('h2', {}, who), this.addr, this.state, dl, h('h3', {}, 'Timers'), this.timers);
  }

  update(s: Socket, timers: Timer[], nowMs: number): void {
    setText(this.state, s.state);
    this.state.dataset.state = s.state;
    setText(this.addr, `${s.address}:${s.port}${s.remote ? ` ↔ ${s.remote}` : ''}`);
    fields.forEach((field, i) => {
      const [name, get, title] = (s.state === 'LISTEN' && listening[field[0]]) || field;
      setText(this.labels[i], name);
      this.labels[i].title = title;
      setText(this.values[i], get(s));
    });
    const mine = timers.filter((t) => t.endpoint === this.who);
    const text = mine.map((t) => `${t.kind}: at ${fmt(t.dueMs)} ms (in ${fmt(t.dueMs - nowMs)} ms)`);
    if (this.timers.dataset.key !== text.join('|')) {
      this.timers.dataset.key = text.join('|');
      this.timers.replaceChildren(...(text.length ? text.map((t) => h('li', {}, t)) : [h('li', { class: 'muted' }, 'none running')]));
    }
  }
}

export class Cards {
  readonly root: HTMLElement;
  private client = new Card('client');
  private server = new Card('server');

  constructor() {
    this.root = h('div', { class: 'cards' }, this.client.root, this.server.root);
  }

  update(session: Session): void {
    this.client.update(session.endpoints.client, session.timers, session.timeMs);
    this.server.update(session.endpoints.server, session.timers, session.timeMs);
  }
}
