// The listener: SYN (half-open) and accept queues against the backlog, SYN cookies, drops, netstat, conn_state.
import type { Session } from '../model';
import { netstat } from '../netstat';
import { h, setText } from '../dom';

class Gauge {
  readonly root: HTMLElement;
  private bar: HTMLElement;
  private text: HTMLElement;

  constructor(label: string, testid: string) {
    this.bar = h('div', { class: 'gauge-fill' });
    this.text = h('span', { class: 'gauge-text' });
    this.root = h('div', { class: 'gauge', role: 'meter', 'aria-label': label, 'aria-valuemin': 0, 'data-testid': testid },
      h('span', { class: 'gauge-label' }, label), h('div', { class: 'gauge-track' }, this.bar), this.text);
  }

  update(value: number, max: number): void {
    this.root.setAttribute('aria-valuenow', String(value));
    this.root.setAttribute('aria-valuemax', String(max));
    this.root.classList.toggle('full', max > 0 && value >= max);
    this.bar.style.width = `${max > 0 ? Math.min(100, (100 * value) / max) : 0}%`;
    setText(this.text, `${value} / ${max}`);
  }
}

export class ListenerView {
  readonly root: HTMLElement;
  private syn = new Gauge('SYN queue', 'syn-queue');
  private accept = new Gauge('accept queue', 'accept-queue');
  private facts: HTMLElement;
  private conns: HTMLElement;
  private netstatEl: HTMLElement;
  private noListener: HTMLElement;

  constructor() {
    this.facts = h('p', { class: 'facts', 'data-testid': 'listener-facts' });
    this.conns = h('ul', { class: 'conns', 'aria-label': 'Connections (Zeek conn_state)' });
    this.netstatEl = h('pre', { class: 'netstat', 'data-testid': 'netstat', 'aria-label': 'netstat -tan' });
    this.noListener = h('p', { class: 'muted' }, 'No listener: the server has not called listen.');
    this.root = h('section', { class: 'panel listener-panel', 'aria-labelledby': 'listener-title' },
      h('h2', { id: 'listener-title' }, 'Listener'), this.noListener, this.syn.root, this.accept.root, this.facts,
      h('h3', {}, 'Connections'), this.conns, h('h3', {}, 'netstat -tan'), this.netstatEl);
  }

  update(session: Session): void {
    const l = session.listener;
    this.noListener.hidden = !!l;
    this.syn.root.hidden = !l;
    this.accept.root.hidden = !l;
    if (l) {
      this.syn.update(l.synQueue, l.synQueueLimit);
      this.accept.update(l.acceptQueue, l.acceptQueueLimit);
      setText(this.facts, `port ${l.port}, backlog ${l.backlog}; SYN cookies ${l.synCookies ? 'on' : 'off'}, ${l.cookiesSent} sent; ` +
        `dropped: ${l.synQueueDrops} at the SYN queue, ${l.acceptQueueDrops} at the accept queue`);
    } else {
      setText(this.facts, '');
    }
    const conns = session.connections.slice(0, 50).map((c) => `${c.originator} → ${c.responder}: ${c.connState} (${c.meaning}) ${c.history}`);
    if (this.conns.dataset.key !== conns.join('|')) {
      this.conns.dataset.key = conns.join('|');
      this.conns.replaceChildren(...conns.map((t) => h('li', {}, t)));
    }
    setText(this.netstatEl, netstat(session));
  }
}
