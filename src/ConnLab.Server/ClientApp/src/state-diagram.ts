// RFC 9293's connection state diagram (§3.3.2, Figure 5) as data: where each state sits, which transitions exist and
// what causes them, and which of them an endpoint took last. Pure; ui/state-view.ts draws it.
import type { LabEvent, TcpState } from './model';

export interface StateNode {
  /** Box id: the state, or CLOSED_END for the second CLOSED box at the bottom (as in the RFC's figure). */
  id: string;
  state: TcpState;
  x: number;
  y: number;
}

export interface Transition {
  from: TcpState;
  to: TcpState;
  /** Event / action, as the RFC's figure labels it. */
  label: string;
}

export const NODE_W = 128;
export const NODE_H = 30;
export const DIAGRAM_W = 660;
export const DIAGRAM_H = 600;

export const nodes: readonly StateNode[] = [
  { id: 'CLOSED', state: 'CLOSED', x: 330, y: 30 },
  { id: 'LISTEN', state: 'LISTEN', x: 330, y: 120 },
  { id: 'SYN_RECEIVED', state: 'SYN_RECEIVED', x: 130, y: 210 },
  { id: 'SYN_SENT', state: 'SYN_SENT', x: 530, y: 210 },
  { id: 'ESTABLISHED', state: 'ESTABLISHED', x: 330, y: 300 },
  { id: 'FIN_WAIT_1', state: 'FIN_WAIT_1', x: 130, y: 390 },
  { id: 'CLOSE_WAIT', state: 'CLOSE_WAIT', x: 530, y: 390 },
  { id: 'FIN_WAIT_2', state: 'FIN_WAIT_2', x: 80, y: 480 },
  { id: 'CLOSING', state: 'CLOSING', x: 290, y: 480 },
  { id: 'LAST_ACK', state: 'LAST_ACK', x: 530, y: 480 },
  { id: 'TIME_WAIT', state: 'TIME_WAIT', x: 190, y: 570 },
  { id: 'CLOSED_END', state: 'CLOSED', x: 470, y: 570 },
];

export const transitions: readonly Transition[] = [
  { from: 'CLOSED', to: 'LISTEN', label: 'passive OPEN / create TCB' },
  { from: 'CLOSED', to: 'SYN_SENT', label: 'active OPEN / snd SYN' },
  { from: 'LISTEN', to: 'CLOSED', label: 'CLOSE / delete TCB' },
  { from: 'LISTEN', to: 'SYN_RECEIVED', label: 'rcv SYN / snd SYN,ACK' },
  { from: 'LISTEN', to: 'SYN_SENT', label: 'SEND / snd SYN' },
  { from: 'SYN_RECEIVED', to: 'LISTEN', label: 'rcv RST' },
  { from: 'SYN_SENT', to: 'SYN_RECEIVED', label: 'rcv SYN / snd SYN,ACK (simultaneous open)' },
  { from: 'SYN_SENT', to: 'CLOSED', label: 'CLOSE / delete TCB' },
  { from: 'SYN_RECEIVED', to: 'ESTABLISHED', label: 'rcv ACK of SYN' },
  { from: 'SYN_SENT', to: 'ESTABLISHED', label: 'rcv SYN,ACK / snd ACK' },
  { from: 'SYN_RECEIVED', to: 'FIN_WAIT_1', label: 'CLOSE / snd FIN' },
  { from: 'ESTABLISHED', to: 'FIN_WAIT_1', label: 'CLOSE / snd FIN' },
  { from: 'ESTABLISHED', to: 'CLOSE_WAIT', label: 'rcv FIN / snd ACK' },
  { from: 'FIN_WAIT_1', to: 'FIN_WAIT_2', label: 'rcv ACK of FIN' },
  { from: 'FIN_WAIT_1', to: 'CLOSING', label: 'rcv FIN / snd ACK' },
  { from: 'CLOSE_WAIT', to: 'LAST_ACK', label: 'CLOSE / snd FIN' },
  { from: 'FIN_WAIT_2', to: 'TIME_WAIT', label: 'rcv FIN / snd ACK' },
  { from: 'CLOSING', to: 'TIME_WAIT', label: 'rcv ACK of FIN' },
  { from: 'LAST_ACK', to: 'CLOSED', label: 'rcv ACK of FIN / delete TCB' },
  { from: 'TIME_WAIT', to: 'CLOSED', label: 'timeout = 2MSL / delete TCB' },
];

export function node(id: string): StateNode {
  const n = nodes.find((x) => x.id === id);
  if (!n) {
    throw new Error(`unknown state ${id}`);
  }
  return n;
}

/** The box a transition ends in: closing from the bottom of the figure lands in the bottom CLOSED box. */
export function targetBox(from: TcpState, to: TcpState): string {
  return to === 'CLOSED' && (from === 'LAST_ACK' || from === 'TIME_WAIT' || from === 'CLOSING' || from === 'FIN_WAIT_2') ? 'CLOSED_END' : to;
}

/** The transition in the figure, or an off-figure one (RST, abort, timeout: any state to CLOSED). */
export function findTransition(from: TcpState, to: TcpState): Transition & { inFigure: boolean } {
  const t = transitions.find((x) => x.from === from && x.to === to);
  return t ? { ...t, inFigure: true } : { from, to, label: 'not in the figure (reset, abort or timeout)', inFigure: false };
}

/**
 * The line of a transition, from the edge of one box to the edge of the other. When both directions exist
 * (LISTEN and SYN_RECEIVED, ...) each is shifted sideways so the two do not overlap.
 */
export function edgePath(from: TcpState, to: TcpState): { x1: number; y1: number; x2: number; y2: number } {
  const a = node(from);
  const b = node(targetBox(from, to));
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const reverse = transitions.some((t) => t.from === to && t.to === from);
  const shift = reverse ? 6 : 0;
  const ox = (-dy / len) * shift;
  const oy = (dx / len) * shift;
  const cut = (n: StateNode, sign: number) => {
    // Leave the box where the line crosses its border.
    const tx = dx === 0 ? Infinity : NODE_W / 2 / Math.abs(dx);
    const ty = dy === 0 ? Infinity : NODE_H / 2 / Math.abs(dy);
    const t = Math.min(tx, ty) + 4 / len;
    return { x: n.x + sign * dx * t + ox, y: n.y + sign * dy * t + oy };
  };
  const p = cut(a, 1);
  const q = cut(b, -1);
  return { x1: p.x, y1: p.y, x2: q.x, y2: q.y };
}

/** An endpoint's last transition in a trace, scanning back from the end. */
export function lastTransition(events: readonly LabEvent[], endpoint: string): { from: TcpState; to: TcpState; index: number } | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.kind === 'state-changed' && e.endpoint === endpoint && e.from && e.to) {
      return { from: e.from, to: e.to, index: e.index };
    }
  }
  return null;
}
