// The client's copy of one session's trace: events in index order, never a gap, never a duplicate. Pure (no DOM),
// so the rules for pushed batches, reconnects and rewinds are unit-tested.
import type { LabEvent, Session, WatchAnswer } from './model';

export type Applied = 'appended' | 'ignored' | 'gap';

export class Trace {
  events: LabEvent[] = [];
  session: Session | null = null;

  /** The index the next event must have. */
  get nextIndex(): number {
    return this.events.length;
  }

  /**
   * A Watch answer (or the REST read of the same shape) from fromIndex: drop anything at or after it, then take its
   * events and snapshot. A session that now has fewer events than we hold was rewound while we were not watching:
   * its trace is a prefix of ours, so ours is cut to it. Returns true when events were dropped (redraw from scratch).
   */
  watched(answer: WatchAnswer, fromIndex: number): boolean {
    const keep = Math.min(fromIndex, answer.nextIndex);
    const cut = this.events.length > keep;
    if (cut) {
      this.events.length = keep;
    }
    this.append(answer.events);
    this.session = answer.session;
    return cut;
  }

  /**
   * A pushed batch: events below nextIndex were already seen (they came with the Watch answer) and are skipped;
   * a batch that starts beyond nextIndex means something was missed, and the caller must Watch again.
   */
  push(events: LabEvent[], session: Session | null | undefined): Applied {
    const fresh = events.filter((e) => e.index >= this.nextIndex);
    if (fresh.length === 0) {
      return events.length === 0 && session ? this.snapshot(session) : 'ignored';
    }
    if (fresh[0].index !== this.nextIndex) {
      return 'gap';
    }
    this.append(fresh);
    if (session) {
      this.session = session;
    }
    return 'appended';
  }

  /** The session was rewound: its trace now ends at session.eventCount. */
  rewound(session: Session): void {
    if (this.events.length > session.eventCount) {
      this.events.length = session.eventCount;
    }
    this.session = session;
  }

  private snapshot(session: Session): Applied {
    this.session = session;
    return 'appended';
  }

  private append(events: LabEvent[]): void {
    for (const e of events) {
      if (e.index === this.events.length) {
        this.events.push(e);
      }
    }
  }
}
