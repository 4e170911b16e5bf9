// The owner's controls. Every button is a REST command; nothing here changes the view: the result comes back
// through SignalR like everybody else's.
import { ApiError, api } from '../api';
import { displayFlags } from '../ladder';
import type { Flag, Session } from '../model';
import { fmt, h, setText } from '../dom';
import { HIDDEN_LABEL } from '../predict';

export interface ControlHost {
  sessionId: string;
  notify(message: string, error?: boolean): void;
  openSession(id: string): void;
}

const SPEEDS: [number, string][] = [[0.01, '0.01× (10 ms link = 1 s)'], [0.05, '0.05×'], [0.1, '0.1×'], [0.5, '0.5×'], [1, '1× (real time)'], [10, '10×']];

export class Controls {
  readonly root: HTMLElement;
  private inFlight: HTMLElement;
  private rewind: HTMLInputElement;
  private rewindLabel: HTMLElement;
  private play: HTMLButtonElement;
  private speed: HTMLSelectElement;
  private live = 0;
  private step = 0;
  private flightKey = '';

  constructor(private host: ControlHost) {
    const cmd = (path: string, body?: () => unknown) => () => void this.run(path, body?.());
    const endpointRow = (who: 'client' | 'server') => {
      const data = h('input', { type: 'text', value: 'hello', 'aria-label': `${who}: data to send`, 'data-testid': `send-data-${who}`, size: 10 });
      return h('div', { class: 'row', role: 'group', 'aria-label': `${who} calls` },
        h('span', { class: 'who' }, who),
        this.button('listen', `${who}-listen`, cmd(`/endpoints/${who}/listen`)),
        this.button('connect', `${who}-connect`, cmd(`/endpoints/${who}/connect`)),
        data,
        this.button('send', `${who}-send`, () => void this.run(`/endpoints/${who}/send`, { data: data.value })),
        this.button('shutdown', `${who}-shutdown`, cmd(`/endpoints/${who}/shutdown`), undefined, 'shutdown(SHUT_WR): a FIN, but keep receiving (a half-close)'),
        this.button('close', `${who}-close`, cmd(`/endpoints/${who}/close`)),
        this.button('abort', `${who}-abort`, cmd(`/endpoints/${who}/abort`)),
        this.button('accept', `${who}-accept`, cmd(`/endpoints/${who}/accept`), undefined, 'accept(): take a connection from the accept queue (when the application does not accept at once)'),
        this.button('read', `${who}-read`, cmd(`/endpoints/${who}/read`), undefined, 'the application reads what waits in the receive buffer (when it does not read at once): the window opens again'));
    };

    const advance = h('input', { type: 'number', value: 1000, min: 0, step: 100, 'aria-label': 'milliseconds to advance', size: 6 });
    this.speed = h('select', { 'aria-label': 'live speed', 'data-testid': 'live-speed' },
      ...SPEEDS.map(([v, label]) => h('option', { value: v, selected: v === 0.05 }, label)));
    this.speed.addEventListener('change', () => {
      if (this.live > 0) {
        void this.run('/live', { speed: Number(this.speed.value) });
      }
    });
    this.play = this.button('play live', 'live', () => this.toggleLive(), 'p');
    const time = h('div', { class: 'row', role: 'group', 'aria-label': 'time' },
      h('span', { class: 'who' }, 'time'),
      this.button('step', 'step', cmd('/step', () => ({ count: 1 })), 's'),
      this.button('step ×10', 'step10', cmd('/step', () => ({ count: 10 }))),
      this.button('run to idle', 'run', cmd('/run', () => ({ until: 'idle', maxSteps: 1000 })), 'r'),
      advance, this.button('advance', 'advance', () => void this.run('/advance', { ms: Number(advance.value) })),
      this.play, this.speed);

    this.rewind = h('input', { type: 'range', min: 0, max: 0, value: 0, 'aria-label': 'step to rewind or fork at', 'data-testid': 'rewind' });
    this.rewindLabel = h('output', {});
    this.rewind.addEventListener('input', () => setText(this.rewindLabel, `step ${this.rewind.value} of ${this.step}`));
    const travel = h('div', { class: 'row', role: 'group', 'aria-label': 'time travel' },
      h('span', { class: 'who' }, 'travel'), this.rewind, this.rewindLabel,
      this.button('rewind', 'rewind-go', () => void this.run('/rewind', { toStep: Number(this.rewind.value) })),
      this.button('fork', 'fork', () => void this.fork()));

    const flood = h('input', { type: 'number', value: 20, min: 1, max: 100000, 'aria-label': 'SYNs in the flood', size: 6 });
    const attack = h('div', { class: 'row', role: 'group', 'aria-label': 'attacks' },
      h('span', { class: 'who' }, 'attack'), flood,
      this.button('SYN flood', 'flood', () => void this.run('/attacks/syn-flood', { count: Number(flood.value), spoofed: true })));

    this.inFlight = h('table', { class: 'inflight', 'data-testid': 'in-flight' });
    this.root = h('section', { class: 'panel controls', 'aria-labelledby': 'controls-title' },
      h('h2', { id: 'controls-title' }, 'Controls'),
      h('p', { class: 'keys' }, 'Keys: ', h('kbd', {}, 's'), ' step, ', h('kbd', {}, 'r'), ' run, ', h('kbd', {}, 'p'), ' play/pause.'),
      endpointRow('client'), endpointRow('server'), time, travel, attack,
      h('h3', {}, 'In flight'), this.inFlight, this.injectForm());
  }

  private button(label: string, testid: string, onclick: () => void, key?: string, title?: string): HTMLButtonElement {
    return h('button', { type: 'button', 'data-testid': testid, onclick: onclick as EventListener, 'aria-keyshortcuts': key ?? null, title: title ?? null }, label);
  }

  private injectForm(): HTMLElement {
    const from = h('select', { name: 'from', 'aria-label': 'from' }, h('option', { value: 'client' }, 'client'), h('option', { value: 'server' }, 'server'));
    const flags: [Flag, HTMLInputElement][] = (['SYN', 'ACK', 'PSH', 'RST', 'FIN', 'URG'] as Flag[]).map((f) =>
      [f, h('input', { type: 'checkbox', name: f, 'aria-label': f })]);
    const num = (name: string, value: number) => h('input', { type: 'number', name, value, min: 0, 'aria-label': name, size: 10 });
    const seq = num('seq', 0);
    const ack = num('ack', 0);
    const win = num('window', 65535);
    const data = h('input', { type: 'text', name: 'data', 'aria-label': 'payload', size: 8 });
    const form = h('form', { class: 'inject', 'aria-label': 'inject a crafted segment' },
      h('fieldset', {}, h('legend', {}, 'Inject a segment'), from,
        ...flags.map(([f, box]) => h('label', {}, box, f)),
        h('label', {}, 'seq ', seq), h('label', {}, 'ack ', ack), h('label', {}, 'win ', win), h('label', {}, 'data ', data),
        h('button', { type: 'submit', 'data-testid': 'inject' }, 'inject')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run('/segments', {
        from: from.value, flags: flags.filter(([, b]) => b.checked).map(([f]) => f),
        seq: Number(seq.value), ack: Number(ack.value), window: Number(win.value), data: data.value,
      });
    });
    return form;
  }

  private toggleLive(): void {
    void this.run('/live', { speed: this.live > 0 ? 0 : Number(this.speed.value) });
  }

  /** Keyboard shortcuts (when focus is not in a text field). */
  key(e: KeyboardEvent): boolean {
    const map: Record<string, () => void> = {
      s: () => void this.run('/step', { count: 1 }),
      r: () => void this.run('/run', { until: 'idle', maxSteps: 1000 }),
      p: () => this.toggleLive(),
    };
    const f = map[e.key];
    if (f) {
      f();
      return true;
    }
    return false;
  }

  private async run(path: string, body?: unknown): Promise<void> {
    try {
      await api.command(this.host.sessionId, path, body);
    } catch (e) {
      this.host.notify(describe(e), true);
    }
  }

  private async fork(): Promise<void> {
    try {
      const created = await api.fork(this.host.sessionId, Number(this.rewind.value));
      this.host.openSession(created.session.id);
    } catch (e) {
      this.host.notify(describe(e), true);
    }
  }

  /** Shows the session; the in-flight segment <hidden> (predict mode) without its flags and numbers. */
  update(session: Session, hidden: number | null = null): void {
    this.live = session.liveSpeed ?? 0;
    setText(this.play, this.live > 0 ? `pause live (${fmt(this.live)}×)` : 'play live');
    this.play.setAttribute('aria-pressed', String(this.live > 0));
    if (this.step !== session.step || Number(this.rewind.max) !== session.step) {
      this.step = session.step;
      this.rewind.max = String(session.step);
      this.rewind.value = String(session.step);
      setText(this.rewindLabel, `step ${session.step} of ${session.step}`);
    }
    const key = `${session.inFlight.map((f) => f.segment.id).join(',')}|${hidden}`;
    if (key === this.flightKey) {
      return;
    }
    this.flightKey = key;
    const server = session.endpoints.server.address;
    const rows = session.inFlight.slice(0, 100).map((f) => {
      const s = f.segment;
      const dir = s.src.startsWith(`${server}:`) ? 'server → client' : 'client → server';
      return h('tr', { 'data-seg': s.id },
        h('td', {}, `#${s.id}`), h('td', {}, dir),
        h('td', {}, s.id === hidden ? `${HIDDEN_LABEL} (guess it first)` : `${displayFlags(s.flags)} seq=${s.seq}${s.flags.includes('ACK') ? ` ack=${s.ack}` : ''} len=${s.len}`),
        h('td', {}, `arrives ${fmt(f.deliverAtMs)} ms`),
        h('td', {}, this.button('drop', `drop-${s.id}`, () => void this.run(`/segments/${s.id}/drop`)),
          this.button('duplicate', `dup-${s.id}`, () => void this.run(`/segments/${s.id}/duplicate`))));
    });
    if (session.inFlight.length > 100) {
      rows.push(h('tr', {}, h('td', { colspan: 5 }, `… ${session.inFlight.length - 100} more`)));
    }
    this.inFlight.replaceChildren(
      h('caption', { class: 'sr-only' }, 'Segments in flight'),
      ...(rows.length ? rows : [h('tr', {}, h('td', { class: 'muted' }, 'nothing in flight'))]));
  }
}

export function describe(e: unknown): string {
  if (e instanceof ApiError) {
    const p = e.problem;
    const extra = [p.state && `state ${p.state}`, p.rfcError && `“${p.rfcError}”`, p.field && `field ${p.field}`].filter(Boolean).join(', ');
    return `${p.title ?? 'Refused'}: ${p.detail ?? ''}${extra ? ` (${extra})` : ''}`;
  }
  return (e as Error).message;
}
