// The event log: every event with its explanation and RFC section. Virtualised: fixed-height rows, only those on
// screen are in the DOM, so 10,000 events cost the same as 20.
import type { LabEvent } from '../model';
import { fmt, h } from '../dom';
import { maskEvent } from '../predict';

const OVERSCAN = 10;

export class LogView {
  readonly root: HTMLElement;
  private scroller: HTMLElement;
  private spacer: HTMLElement;
  private rows: HTMLElement;
  private events: readonly LabEvent[] = [];
  private follow = true;
  private first = -1;
  private last = -1;
  private count = -1;
  private hidden: number | null = null;
  private rh = 0;
  private pending = false;

  constructor(private onPick: (index: number) => void) {
    this.spacer = h('div', { class: 'log-spacer' });
    this.rows = h('div', { class: 'log-rows', role: 'list', 'aria-label': 'Events' });
    this.scroller = h('div', { class: 'log-scroll', tabindex: 0, 'data-testid': 'event-log' }, this.spacer, this.rows);
    this.scroller.addEventListener('scroll', () => {
      this.follow = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - 8;
      this.draw(false);
    });
    this.rows.addEventListener('click', (e) => this.pick(e));
    this.rows.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        this.pick(e);
      }
    });
    this.root = h('section', { class: 'panel log-panel', 'aria-labelledby': 'log-title' },
      h('h2', { id: 'log-title' }, 'Event log'), this.scroller);
    window.addEventListener('resize', () => (this.rh = 0)); // presenter mode changes --log-row and sends a resize
  }

  private pick(e: Event): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>('[data-index]');
    if (row) {
      this.onPick(Number(row.dataset.index));
    }
  }

  /** The row height, read from the stylesheet once (and again after a resize). */
  private rowHeight(): number {
    if (!this.rh) {
      this.rh = Number.parseFloat(getComputedStyle(this.scroller).getPropertyValue('--log-row')) || 48;
    }
    return this.rh;
  }

  /**
   * Shows the trace; the events of segment <hidden> (predict mode) without what would give the answer away. Sizes
   * only: the page then calls scroll() and draw(), after every panel's update (one forced layout per frame).
   */
  update(events: readonly LabEvent[], hidden: number | null = null): void {
    const rehide = hidden !== this.hidden;
    this.hidden = hidden;
    this.events = events;
    const height = `${events.length * this.rowHeight()}px`;
    if (this.spacer.style.height !== height) {
      this.spacer.style.height = height;
    }
    this.pending ||= rehide || events.length !== this.count;
    this.count = events.length;
  }

  /** When following the present, scrolls to it. */
  scroll(): void {
    if (this.follow) {
      this.scroller.scrollTop = this.scroller.scrollHeight;
    }
  }

  /** Draws the rows on screen (and OVERSCAN around them) if they or the trace changed. */
  draw(force = false): void {
    force ||= this.pending;
    this.pending = false;
    const rh = this.rowHeight();
    const height = this.scroller.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / rh) - OVERSCAN);
    const last = Math.min(this.events.length, Math.ceil((this.scroller.scrollTop + height) / rh) + OVERSCAN);
    if (!force && first === this.first && last === this.last) {
      return;
    }
    this.first = first;
    this.last = last;
    const out: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      out.push(this.row(maskEvent(this.events[i], this.hidden), i, rh));
    }
    this.rows.replaceChildren(...out);
  }

  private row(e: LabEvent, i: number, rh: number): HTMLElement {
    const seg = e.segment ? ` #${e.segment.id}` : '';
    const change = e.kind === 'state-changed' ? ` ${e.from} → ${e.to}` : e.timer ? ` ${e.timer}` : seg;
    return h('div', {
      class: `log-row k-${e.kind}`, role: 'listitem', tabindex: -1, 'data-index': e.index, style: `top:${i * rh}px`,
      'aria-posinset': i + 1, 'aria-setsize': this.events.length,
    },
      h('div', { class: 'log-head' },
        h('span', { class: 'idx' }, `#${e.index}`), h('span', { class: 't' }, `${fmt(e.timeMs)} ms`),
        h('span', { class: 'step' }, `step ${e.step}`), h('span', { class: `who ${e.endpoint}` }, e.endpoint),
        h('span', { class: 'kind' }, `${e.kind}${change}`), h('span', { class: 'ref' }, e.reference)),
      h('div', { class: 'log-expl', title: e.explanation }, e.explanation));
  }
}
