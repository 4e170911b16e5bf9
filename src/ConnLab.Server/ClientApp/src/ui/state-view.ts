// RFC 9293's state diagram with each endpoint's state lit and its last transition highlighted.
import { DIAGRAM_H, DIAGRAM_W, NODE_H, NODE_W, edgePath, findTransition, lastTransition, nodes, transitions } from '../state-diagram';
import type { LabEvent, Session, TcpState } from '../model';
import { esc, h, setText } from '../dom';

export class StateView {
  readonly root: HTMLElement;
  private svgEl: SVGSVGElement;
  private extra: SVGGElement;
  private caption: HTMLElement;
  private key = '';

  constructor() {
    this.svgEl = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.svgEl.setAttribute('viewBox', `0 0 ${DIAGRAM_W} ${DIAGRAM_H}`);
    this.svgEl.setAttribute('class', 'states');
    this.svgEl.setAttribute('role', 'img');
    this.svgEl.setAttribute('data-testid', 'state-diagram');
    const edges = transitions.map((t) => {
      const p = edgePath(t.from, t.to);
      return `<line class="edge" data-edge="${t.from}>${t.to}" x1="${p.x1}" y1="${p.y1}" x2="${p.x2}" y2="${p.y2}" marker-end="url(#sd-ah)"><title>${esc(`${t.from} → ${t.to}: ${t.label}`)}</title></line>`;
    }).join('');
    const boxes = nodes.map((n) => `<g class="node" data-state="${n.state}" data-box="${n.id}" transform="translate(${n.x - NODE_W / 2},${n.y - NODE_H / 2})">` +
      `<rect width="${NODE_W}" height="${NODE_H}" rx="6"/><text x="${NODE_W / 2}" y="${NODE_H / 2 + 5}" text-anchor="middle">${n.state}</text>` +
      `<text class="badge c" x="-4" y="${NODE_H / 2 + 5}" text-anchor="end">C</text><text class="badge s" x="${NODE_W + 4}" y="${NODE_H / 2 + 5}">S</text></g>`).join('');
    this.svgEl.innerHTML = `<defs><marker id="sd-ah" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>` +
      `<g class="edges">${edges}</g><g class="extra"></g><g class="nodes">${boxes}</g>`;
    this.extra = this.svgEl.querySelector('g.extra') as SVGGElement;
    this.caption = h('p', { class: 'transition-caption', 'aria-live': 'polite', 'data-testid': 'transition-caption' });
    this.root = h('section', { class: 'panel states-panel', 'aria-labelledby': 'states-title' },
      h('h2', { id: 'states-title' }, 'RFC 9293 state diagram'), this.svgEl, this.caption);
  }

  update(session: Session, events: readonly LabEvent[]): void {
    const c = session.endpoints.client.state;
    const s = session.endpoints.server.state;
    const lc = lastTransition(events, 'client');
    const ls = lastTransition(events, 'server');
    const key = `${c}|${s}|${lc?.index}|${ls?.index}`;
    if (key === this.key) {
      return;
    }
    this.key = key;
    for (const g of this.svgEl.querySelectorAll<SVGGElement>('g.node')) {
      const st = g.dataset.state as TcpState;
      g.classList.toggle('lit-client', st === c);
      g.classList.toggle('lit-server', st === s);
    }
    for (const e of this.svgEl.querySelectorAll<SVGLineElement>('line.edge')) {
      e.classList.remove('last-client', 'last-server');
    }
    this.extra.innerHTML = '';
    const lines: string[] = [];
    for (const [who, t] of [['client', lc], ['server', ls]] as const) {
      if (!t) {
        continue;
      }
      const tr = findTransition(t.from, t.to);
      if (tr.inFigure) {
        this.svgEl.querySelector(`line.edge[data-edge="${t.from}>${t.to}"]`)?.classList.add(`last-${who}`);
      } else {
        const p = edgePath(t.from, t.to);
        this.extra.insertAdjacentHTML('beforeend', `<line class="edge off last-${who}" x1="${p.x1}" y1="${p.y1}" x2="${p.x2}" y2="${p.y2}" marker-end="url(#sd-ah)"/>`);
      }
      lines.push(`${who}: ${t.from} → ${t.to} (${tr.label})`);
    }
    this.svgEl.setAttribute('aria-label', `State diagram: client in ${c}, server in ${s}`);
    setText(this.caption, lines.length ? `Last transitions — ${lines.join('; ')}` : 'No transition yet.');
  }
}
