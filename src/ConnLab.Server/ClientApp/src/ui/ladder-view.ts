// Draws the ladder (../ladder.ts computes it): two timelines, one arrow per segment from send to delivery, lost ones
// ending in a cross, in-flight ones dashed. Only the rows on screen are in the DOM, so 10,000 events scroll smoothly.
import { Ladder, arrowText, defaultLayout } from '../ladder';
import type { Session } from '../model';
import { esc, fmt, h } from '../dom';
import { HIDDEN_LABEL } from '../predict';

const WIDTH = 800;
const OVERSCAN = 400;

export class LadderView {
  readonly root: HTMLElement;
  private scroller: HTMLElement;
  private svgEl: SVGSVGElement;
  private body: SVGGElement;
  private heads: HTMLElement;
  private follow = true;
  private ladder: Ladder | null = null;
  private nowMs = 0;
  private highlighted = -1;
  private hidden: number | null = null;
  /** What the rows on screen were drawn from; draw() skips a redraw that would be the same. */
  private drawn = '';
  private lanesKey = '';

  constructor() {
    this.heads = h('div', { class: 'ladder-heads', 'aria-hidden': 'true' });
    this.scroller = h('div', { class: 'ladder-scroll', tabindex: 0, 'aria-label': 'Ladder diagram (scroll with arrow keys)', role: 'region' });
    this.svgEl = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.svgEl.setAttribute('class', 'ladder');
    this.svgEl.setAttribute('role', 'img');
    this.svgEl.setAttribute('data-testid', 'ladder');
    this.svgEl.setAttribute('viewBox', `0 0 ${WIDTH} 400`);
    this.svgEl.innerHTML = `<defs>
      <marker id="ah" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="ah"/></marker>
      <marker id="ah-open" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10" class="ah-open"/></marker>
    </defs><g class="lanes"></g><g class="rows"></g>`;
    this.body = this.svgEl.querySelector('g.rows') as SVGGElement;
    this.scroller.append(this.svgEl);
    this.scroller.addEventListener('scroll', () => {
      const atBottom = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - 8;
      this.follow = atBottom;
      this.draw();
    });
    this.root = h('section', { class: 'panel ladder-panel', 'aria-labelledby': 'ladder-title' },
      h('h2', { id: 'ladder-title' }, 'Ladder'), this.heads, this.scroller);
  }

  /**
   * Shows a trace. The page calls update() (sizes only), then scroll() and draw() once every panel has been updated,
   * so a frame costs one forced layout (for the scroll) however many panels changed.
   */
  update(ladder: Ladder, session: Session): void {
    this.ladder = ladder;
    this.nowMs = session.timeMs;
    const c = session.endpoints.client;
    const s = session.endpoints.server;
    const heads = `client ${c.address}:${c.port}|server ${s.address}:${s.port}`;
    if (this.heads.dataset.key !== heads) {
      this.heads.dataset.key = heads;
      this.heads.replaceChildren(h('span', {}, `client ${c.address}:${c.port}`), h('span', {}, `server ${s.address}:${s.port}`));
    }
    const height = Math.ceil(ladder.height);
    const lanesKey = `${height}|${ladder.nowY}`;
    if (lanesKey !== this.lanesKey) {
      this.lanesKey = lanesKey;
      this.svgEl.setAttribute('viewBox', `0 0 ${WIDTH} ${height}`);
      this.svgEl.style.aspectRatio = `${WIDTH} / ${height}`;
      const lanes = this.svgEl.querySelector('g.lanes') as SVGGElement;
      const { clientX, serverX } = defaultLayout;
      lanes.innerHTML = `<line class="lane client" x1="${clientX}" y1="0" x2="${clientX}" y2="${height}"/>` +
        `<line class="lane server" x1="${serverX}" y1="0" x2="${serverX}" y2="${height}"/>` +
        `<line class="now" x1="${clientX - 40}" x2="${serverX + 40}" y1="${ladder.nowY}" y2="${ladder.nowY}"/>`;
    }
    let inFlight = 0;
    for (const a of ladder.arrows) {
      inFlight += a.fate === 'in-flight' ? 1 : 0;
    }
    const label = `Ladder diagram: ${ladder.arrows.length} segments; ${inFlight} in flight`;
    if (this.svgEl.getAttribute('aria-label') !== label) {
      this.svgEl.setAttribute('aria-label', label);
    }
  }

  /** When following the present, scrolls to it (after update(); forces the frame's layout). */
  scroll(): void {
    if (this.follow && this.ladder) {
      this.scroller.scrollTop = this.scroller.scrollHeight;
    }
  }

  /** Predict mode: the segment whose flags, seq and ack stay hidden (a placeholder label) until guessed; null for none. */
  hide(segmentId: number | null): void {
    this.hidden = segmentId; // drawn by the draw() that follows
  }

  /** Scrolls to the row of a trace index and marks it. */
  reveal(index: number): void {
    if (!this.ladder) {
      return;
    }
    this.highlighted = index;
    const scale = this.scale();
    this.follow = false;
    this.scroller.scrollTop = Math.max(0, this.ladder.yOfIndex(index) * scale - this.scroller.clientHeight / 2);
    this.draw();
  }

  private scale(): number {
    const w = this.svgEl.clientWidth || WIDTH;
    return w / WIDTH;
  }

  /** Draws the rows on screen (and OVERSCAN around them), unless that is what is drawn already. */
  draw(): void {
    const ladder = this.ladder;
    if (!ladder) {
      return;
    }
    const scale = this.scale();
    const y0 = this.scroller.scrollTop / scale - OVERSCAN;
    const y1 = (this.scroller.scrollTop + (this.scroller.clientHeight || 600)) / scale + OVERSCAN;
    const key = `${ladder.version}|${Math.floor(y0)}|${Math.ceil(y1)}|${this.nowMs}|${this.hidden}|${this.highlighted}`;
    if (key === this.drawn) {
      return;
    }
    this.drawn = key;
    const parts: string[] = [];
    const { clientX, serverX } = defaultLayout;
    // Time of each row on the left, once per distinct time.
    let lastTime = Number.NaN;
    for (const r of ladder.rows) {
      if (r.y < y0) {
        lastTime = r.timeMs;
        continue;
      }
      if (r.y > y1) {
        break;
      }
      if (r.timeMs !== lastTime) {
        parts.push(`<text class="t" x="4" y="${r.y + 4}">${fmt(r.timeMs)} ms</text>`);
        lastTime = r.timeMs;
      }
      if (r.index === this.highlighted) {
        parts.push(`<rect class="hl" x="0" y="${r.y - 12}" width="${WIDTH}" height="24"/>`);
      }
    }
    for (const n of ladder.visibleNotes(y0, y1)) {
      const y = ladder.rows[n.row].y + 4;
      parts.push(n.side === 'client'
        ? `<text class="note client" x="${clientX - 8}" y="${y}" text-anchor="end">${esc(n.text)}</text>`
        : `<text class="note server" x="${serverX + 8}" y="${y}">${esc(n.text)}</text>`);
    }
    for (const { arrow: a, g } of ladder.visible(y0, y1, this.nowMs)) {
      const secret = a.key === this.hidden;
      const cls = ['arrow', a.dir, a.fate, ...(secret ? ['secret'] : a.marks)].join(' ');
      const text = secret ? HIDDEN_LABEL : arrowText(a);
      const fate = a.fate === 'lost' ? ' (lost)' : a.fate === 'in-flight' ? ' (in flight)' : '';
      parts.push(`<g class="${cls}" data-seg="${a.key}" role="img" aria-label="${esc(`${a.dir === 'c2s' ? 'client to server' : 'server to client'}: ${text}${fate}`)}">`);
      parts.push(`<line x1="${g.x1}" y1="${g.y1}" x2="${g.x2}" y2="${g.y2}"${a.fate === 'lost' ? '' : ` marker-end="url(#${g.dashed ? 'ah-open' : 'ah'})"`}/>`);
      if (g.cross) {
        const { x, y } = g.cross;
        parts.push(`<path class="cross" d="M${x - 7},${y - 7} L${x + 7},${y + 7} M${x - 7},${y + 7} L${x + 7},${y - 7}"/>`);
      }
      if (g.now) {
        parts.push(`<circle class="pkt" cx="${g.now.x}" cy="${g.now.y}" r="5"/>`);
      }
      // Along the arrow, just above it.
      parts.push(`<text class="label" x="${g.lx}" y="${g.ly}" dy="-5" text-anchor="middle" transform="rotate(${g.angle} ${g.lx} ${g.ly})">${esc(text)}</text>`);
      if (a.lostBecause && !secret) {
        parts.push(`<title>${esc(a.lostBecause)}</title>`);
      }
      parts.push('</g>');
    }
    this.body.innerHTML = parts.join('');
  }
}
