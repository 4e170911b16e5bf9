// The ladder (sequence) diagram as data: which segment becomes which arrow, where it starts and ends, how it is
// labelled and marked. Pure: no DOM, no SVG strings; the view (ui/ladder-view.ts) only draws what this computes.
//
// Vertical axis: one row per ladder event (a segment sent, copied, delivered or lost; a state change), in trace
// order, so every arrow runs downwards from its send row to its delivery row. Rows at the same virtual time are
// rowHeight apart; a pause in virtual time adds space that grows with its logarithm (a 1 s RTO is visibly longer
// than a 10 ms link delay, without pushing the rest off screen).
import type { Flag, LabEvent, Segment } from './model';

export type Side = 'client' | 'server';
export type Direction = 'c2s' | 's2c';
export type Fate = 'delivered' | 'lost' | 'in-flight';
export type Mark = 'retransmission' | 'duplicate' | 'injected' | 'window-probe' | 'spoofed' | 'discarded';

export interface LadderLayout {
  /** x of the client's timeline. */
  clientX: number;
  /** x of the server's timeline. */
  serverX: number;
  /** y of the first row. */
  top: number;
  /** Space between rows at the same virtual time. */
  rowHeight: number;
  /** Extra space per doubling of the pause between two rows, ms (log2(1 + ms)). */
  pausePerDoubling: number;
  /** Most extra space a pause adds. */
  maxPause: number;
}

export const defaultLayout: LadderLayout = {
  clientX: 150,
  serverX: 650,
  top: 40,
  rowHeight: 26,
  pausePerDoubling: 5,
  maxPause: 40,
};

export interface Row {
  index: number;
  timeMs: number;
  y: number;
}

export interface Arrow {
  /** Unique per copy on the wire: segment id. */
  key: number;
  segment: Segment;
  dir: Direction;
  /** Row where it was put on the wire. */
  startRow: number;
  /** Row where it arrived or was lost; null while in flight. */
  endRow: number | null;
  sentMs: number;
  /** Arrival time (expected while in flight). */
  dueMs: number;
  /** When it was lost. */
  lostMs: number | null;
  fate: Fate;
  marks: Mark[];
  label: string;
  /** Trace index of the event that put it on the wire. */
  sentIndex: number;
  /** Why it was lost (the drop event's explanation). */
  lostBecause: string | null;
}

export interface Note {
  row: number;
  side: Side;
  text: string;
  index: number;
}

/** What the view draws for one arrow. */
export interface ArrowGeometry {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Label anchor (the arrow's midpoint). */
  lx: number;
  ly: number;
  /** Label rotation in degrees, along the arrow and always reading left to right. */
  angle: number;
  /** Where a lost segment ends: draw a cross. */
  cross: { x: number; y: number } | null;
  /** In flight: where the segment is now along its way. */
  now: { x: number; y: number } | null;
  dashed: boolean;
}

/** The angle of the line (x1,y1)→(x2,y2) in degrees, turned so text along it never reads upside down. */
export function readableAngle(x1: number, y1: number, x2: number, y2: number): number {
  let a = (Math.atan2(y2 - y1, x2 - x1) * 180) / Math.PI;
  if (a > 90) {
    a -= 180;
  } else if (a < -90) {
    a += 180;
  }
  return Math.round(a * 100) / 100;
}

/** Flags as people say them: SYN,ACK and FIN,ACK, not the header order's ACK,SYN. */
const flagOrder: readonly Flag[] = ['SYN', 'FIN', 'RST', 'PSH', 'ACK', 'URG'];

export function displayFlags(flags: readonly Flag[]): string {
  if (flags.length === 0) {
    return '<none>';
  }
  return flagOrder.filter((f) => flags.includes(f)).join(',');
}

/** An arrow's label: flags, seq, ack (only when the ACK bit is set) and length. */
export function segmentLabel(s: Segment): string {
  const ack = s.flags.includes('ACK') ? ` ack=${s.ack}` : '';
  return `${displayFlags(s.flags)} seq=${s.seq}${ack} len=${s.len}`;
}

function hostOf(addressPort: string): string {
  const colon = addressPort.lastIndexOf(':');
  return colon < 0 ? addressPort : addressPort.slice(0, colon);
}

/**
 * Which way a segment travels. Segments from the server's address go right to left; everything else (the client,
 * and spoofed hosts of a SYN flood) comes from the left.
 */
export function direction(s: Segment, serverAddress: string): Direction {
  return hostOf(s.src) === serverAddress ? 's2c' : 'c2s';
}

/** Space between two rows whose times differ by dtMs. */
export function rowGap(dtMs: number, layout: LadderLayout = defaultLayout): number {
  const pause = dtMs > 0 ? Math.min(layout.maxPause, layout.pausePerDoubling * Math.log2(1 + dtMs)) : 0;
  return layout.rowHeight + pause;
}

function marksOf(s: Segment, dir: Direction, clientAddress: string): Mark[] {
  const marks: Mark[] = [];
  switch (s.origin) {
    case 'retransmission':
      marks.push('retransmission');
      break;
    case 'duplicate':
      marks.push('duplicate');
      break;
    case 'injected':
      marks.push('injected');
      break;
    case 'window-probe':
      marks.push('window-probe');
      break;
  }
  if (dir === 'c2s' && clientAddress !== '' && hostOf(s.src) !== clientAddress) {
    marks.push('spoofed');
  }
  return marks;
}

const markPrefix: Record<Mark, string> = {
  retransmission: 'rtx ',
  duplicate: 'dup ',
  injected: 'crafted ',
  'window-probe': 'probe ',
  spoofed: 'spoofed ',
  discarded: '',
};

/** The label with its marks in front, as drawn: "rtx SYN seq=1000 len=0". */
export function arrowText(a: Arrow): string {
  const prefix = a.marks.filter((m) => m !== 'spoofed' || !a.marks.includes('injected')).map((m) => markPrefix[m]).join('');
  return prefix + a.label;
}

/**
 * Builds the ladder incrementally from a trace: add() takes new events in index order. Keep one per session; call
 * reset() after a rewind.
 */
export class Ladder {
  rows: Row[] = [];
  arrows: Arrow[] = [];
  notes: Note[] = [];
  /** Grows with every event added (or reset): a view redraws only when it changed. */
  version = 0;
  private byId = new Map<number, Arrow>();
  private layout: LadderLayout;

  constructor(
    private clientAddress: string,
    private serverAddress: string,
    layout: LadderLayout = defaultLayout,
  ) {
    this.layout = layout;
  }

  /** Total height of the drawing so far (with room for arrows still in flight). */
  get height(): number {
    const last = this.rows.length === 0 ? this.layout.top : this.rows[this.rows.length - 1].y;
    return last + this.layout.rowHeight * 4;
  }

  /** y of the newest row (the present). */
  get nowY(): number {
    return this.rows.length === 0 ? this.layout.top : this.rows[this.rows.length - 1].y;
  }

  reset(): void {
    this.rows = [];
    this.arrows = [];
    this.notes = [];
    this.byId.clear();
    this.version++;
  }

  add(events: readonly LabEvent[]): void {
    for (const e of events) {
      this.addOne(e);
    }
    this.version += events.length;
  }

  private newRow(e: LabEvent): number {
    const prev = this.rows[this.rows.length - 1];
    const y = prev ? prev.y + rowGap(e.timeMs - prev.timeMs, this.layout) : this.layout.top;
    this.rows.push({ index: e.index, timeMs: e.timeMs, y });
    return this.rows.length - 1;
  }

  private addOne(e: LabEvent): void {
    const s = e.segment;
    switch (e.kind) {
      case 'segment-sent':
      case 'segment-duplicated': {
        if (!s) {
          return;
        }
        const dir = direction(s, this.serverAddress);
        const arrow: Arrow = {
          key: s.id,
          segment: s,
          dir,
          startRow: this.newRow(e),
          endRow: null,
          sentMs: e.timeMs,
          dueMs: e.dueMs ?? e.timeMs,
          lostMs: null,
          fate: 'in-flight',
          marks: marksOf(s, dir, this.clientAddress),
          label: segmentLabel(s),
          sentIndex: e.index,
          lostBecause: null,
        };
        this.arrows.push(arrow);
        this.byId.set(s.id, arrow);
        return;
      }
      case 'segment-delivered': {
        const arrow = s ? this.byId.get(s.id) : undefined;
        if (arrow && arrow.fate === 'in-flight') {
          arrow.fate = 'delivered';
          arrow.endRow = this.newRow(e);
          arrow.dueMs = e.timeMs;
        }
        return;
      }
      case 'segment-dropped': {
        const arrow = s ? this.byId.get(s.id) : undefined;
        if (arrow && arrow.fate === 'in-flight') {
          arrow.fate = 'lost';
          arrow.endRow = this.newRow(e);
          arrow.lostMs = e.timeMs;
          arrow.lostBecause = e.explanation;
        }
        return;
      }
      case 'segment-discarded': {
        const arrow = s ? this.byId.get(s.id) : undefined;
        if (arrow && !arrow.marks.includes('discarded')) {
          arrow.marks.push('discarded');
        }
        return;
      }
      case 'state-changed': {
        const side = e.endpoint === 'client' ? 'client' : e.endpoint === 'server' ? 'server' : null;
        if (side && e.to) {
          this.notes.push({ row: this.newRow(e), side, text: e.to, index: e.index });
        }
        return;
      }
    }
  }

  /** Where to draw an arrow, given the virtual time now (for segments still in flight). */
  geometry(a: Arrow, nowMs: number): ArrowGeometry {
    const { clientX, serverX, rowHeight } = this.layout;
    const [xFrom, xTo] = a.dir === 'c2s' ? [clientX, serverX] : [serverX, clientX];
    const y1 = this.rows[a.startRow].y;
    if (a.fate === 'delivered' && a.endRow !== null) {
      const y2 = this.rows[a.endRow].y;
      return { x1: xFrom, y1, x2: xTo, y2, lx: (xFrom + xTo) / 2, ly: (y1 + y2) / 2, angle: readableAngle(xFrom, y1, xTo, y2), cross: null, now: null, dashed: false };
    }
    if (a.fate === 'lost' && a.endRow !== null) {
      // A lost segment ends part of the way across: where it was when it was lost, if that is known, else midway.
      const span = a.dueMs - a.sentMs;
      const progress = span > 0 && a.lostMs !== null ? (a.lostMs - a.sentMs) / span : 0.5;
      const f = Math.min(0.75, Math.max(0.25, progress));
      const x2 = xFrom + (xTo - xFrom) * f;
      const y2 = this.rows[a.endRow].y;
      return {
        x1: xFrom, y1, x2, y2, lx: (xFrom + x2) / 2, ly: (y1 + y2) / 2, angle: readableAngle(xFrom, y1, x2, y2),
        cross: { x: x2, y: y2 }, now: null, dashed: false,
      };
    }
    // In flight: dashed towards where it will arrive, below the present; a dot shows how far it has come.
    const y2 = this.nowY + rowHeight * 2;
    const span = a.dueMs - a.sentMs;
    const f = span > 0 ? Math.min(1, Math.max(0, (nowMs - a.sentMs) / span)) : 0;
    const now = { x: xFrom + (xTo - xFrom) * f, y: y1 + (y2 - y1) * f };
    return { x1: xFrom, y1, x2: xTo, y2, lx: (xFrom + xTo) / 2, ly: (y1 + y2) / 2, angle: readableAngle(xFrom, y1, xTo, y2), cross: null, now, dashed: true };
  }

  /** The arrows that cross the band y0..y1 (the part of the drawing on screen), with their geometry. */
  visible(y0: number, y1: number, nowMs: number): { arrow: Arrow; g: ArrowGeometry }[] {
    const out: { arrow: Arrow; g: ArrowGeometry }[] = [];
    for (const arrow of this.arrows) {
      const start = this.rows[arrow.startRow].y;
      if (start > y1) {
        break; // arrows are in start order, and rows only go down
      }
      const g = this.geometry(arrow, nowMs);
      if (Math.max(g.y1, g.y2) >= y0) {
        out.push({ arrow, g });
      }
    }
    return out;
  }

  /** The state notes on rows inside y0..y1. */
  visibleNotes(y0: number, y1: number): Note[] {
    const out: Note[] = [];
    for (const n of this.notes) {
      const y = this.rows[n.row].y;
      if (y > y1) {
        break;
      }
      if (y >= y0) {
        out.push(n);
      }
    }
    return out;
  }

  /** The y of the row holding a trace index, or of the last row before it. */
  yOfIndex(index: number): number {
    let lo = 0;
    let hi = this.rows.length - 1;
    let found = this.layout.top;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.rows[mid].index <= index) {
        found = this.rows[mid].y;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
