// One session, live: ladder, endpoint cards, state diagram, event log, listener, controls (for the owner) and
// downloads. Everything on it is redrawn from the SignalR trace, at most once per animation frame.
import { api, tokens } from '../api';
import { Ladder } from '../ladder';
import type { LabEvent } from '../model';
import { SessionWatch, type LinkStatus } from '../live';
import { fmt, h, setText } from '../dom';
import { Cards } from './cards';
import { Controls, describe } from './controls';
import { LadderView } from './ladder-view';
import { ListenerView } from './listener-view';
import { LogView } from './log-view';
import { PredictView } from './predict-view';
import { StateView } from './state-view';

export interface PageHost {
  notify(message: string, error?: boolean): void;
  navigate(url: string): void;
}

declare global {
  interface Window {
    connlab?: { firstRenderMs?: number; firstRenderCostMs?: number; renders: number; events: number; status: LinkStatus; renderWorkMs: number[] };
  }
}

export interface SessionPageOptions {
  /** Show the session read-only even if this browser holds its token (a workshop's follow-me, a closed workshop). */
  readOnly?: boolean;
  /** Why it is read-only (the line where the owner's is). */
  readOnlyReason?: string;
  /** A line above the page (a workshop banner). */
  banner?: HTMLElement | null;
}

/** A session page; dispose() stops its live connection and key handling (pages swapped by a workshop's follow-me). */
export type SessionPageElement = HTMLElement & { dispose(): Promise<void> };

export function sessionPage(id: string, host: PageHost, options: SessionPageOptions = {}): SessionPageElement {
  const owner = !options.readOnly && tokens.get(id) !== null;
  const watch = new SessionWatch(id, {
    changed: (added, reset) => changed(added, reset),
    status: (s, detail) => status(s, detail),
  });
  window.connlab = { renders: 0, events: 0, status: 'connecting', renderWorkMs: [] };

  const title = h('h1', { class: 'session-title' }, `Session ${id}`);
  const statusEl = h('span', { class: 'status', role: 'status', 'data-testid': 'link-status' }, 'connecting…');
  const clock = h('span', { class: 'clock', 'data-testid': 'clock' });
  const count = h('span', { class: 'count', 'data-testid': 'event-count' }, '0 events');
  const announcer = h('p', { class: 'sr-only', 'aria-live': 'polite', 'data-testid': 'announcer' });
  // A session restored from the store whose replay differs from its stored trace takes no commands (403
  // session-read-only): say why before anyone clicks.
  const problem = h('p', { class: 'problem', role: 'alert', 'data-testid': 'session-problem', hidden: true });
  const share = `${location.origin}/?session=${encodeURIComponent(id)}`;
  const shareInput = h('input', { type: 'text', readonly: true, value: share, 'aria-label': 'link for watchers (read-only)', size: 40, 'data-testid': 'share-link' });
  const copy = h('button', { type: 'button', onclick: (() => {
    shareInput.select();
    void navigator.clipboard?.writeText(share).then(() => host.notify('Link copied'), () => host.notify('Select the link and copy it'));
  }) as EventListener }, 'copy link');
  const pcap = h('a', { href: `/api/sessions/${encodeURIComponent(id)}/trace.pcap`, download: `connlab-${id}.pcap`, 'data-testid': 'download-pcap' }, 'pcap');
  const json = h('button', { type: 'button', 'data-testid': 'download-events', onclick: (() => downloadEvents()) as EventListener }, 'events JSON');
  const mode = h('p', { class: 'mode', 'data-testid': 'mode' }, owner
    ? 'You own this session: the controls are yours. Share the link below to let others watch.'
    : options.readOnly
      ? options.readOnlyReason ?? 'Read-only.'
      : 'Watching read-only: only the browser that created this session can change it.');

  const ladderView = new LadderView();
  const cards = new Cards();
  const states = new StateView();
  const log = new LogView((index) => ladderView.reveal(index));
  const listener = new ListenerView();
  const predict = new PredictView(() => schedule());
  const controls = owner
    ? new Controls({ sessionId: id, notify: host.notify, openSession: (other) => host.navigate(`/?session=${encodeURIComponent(other)}`) })
    : null;

  let ladder: Ladder | null = null;
  let dirty = false;
  let firstRender = true;

  function status(s: LinkStatus, detail?: string): void {
    window.connlab!.status = s;
    const text: Record<LinkStatus, string> = {
      connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', disconnected: 'disconnected', deleted: 'session deleted',
    };
    setText(statusEl, text[s] + (detail ? ` — ${detail}` : ''));
    statusEl.dataset.status = s;
  }

  function changed(added: readonly LabEvent[], reset: boolean): void {
    const session = watch.trace.session;
    if (!session) {
      return;
    }
    if (!ladder || reset) {
      ladder = new Ladder(session.endpoints.client.address, session.endpoints.server.address);
      ladder.add(watch.trace.events);
    } else {
      ladder.add(added);
    }
    const moves = added.filter((e) => e.kind === 'state-changed');
    if (moves.length) {
      const m = moves[moves.length - 1];
      setText(announcer, `${m.endpoint}: ${m.from} → ${m.to}`);
    }
    schedule();
  }

  function schedule(): void {
    if (!dirty) {
      dirty = true;
      requestAnimationFrame(render);
    }
  }

  function render(): void {
    const t0 = performance.now();
    dirty = false;
    const session = watch.trace.session;
    if (!session || !ladder) {
      return;
    }
    const events = watch.trace.events;
    setText(title, `${session.name} · ${session.id}`);
    setText(clock, `t = ${fmt(session.timeMs)} ms · step ${session.step} · ${session.profile}${session.liveSpeed ? ` · live ${fmt(session.liveSpeed)}×` : ''}`);
    setText(count, `${events.length} events`);
    problem.hidden = !session.problem;
    setText(problem, session.problem
      ? `This session did not restore faithfully: ${session.problem}. It is read-only: fork it to go on from the trace shown here, or rewind it, which rewrites its stored trace.`
      : '');
    predict.update(session);
    const hidden = predict.hidden;
    ladderView.hide(hidden);
    ladderView.update(ladder, session);
    cards.update(session);
    states.update(session, events);
    log.update(events, hidden);
    listener.update(session);
    controls?.update(session, hidden);
    // Every panel has written; now one layout for both scrollers, then only the rows on screen are drawn.
    ladderView.scroll();
    log.scroll();
    ladderView.draw();
    log.draw();
    const c = window.connlab!;
    c.renders++;
    if (c.renderWorkMs.length < 100_000) {
      c.renderWorkMs.push(performance.now() - t0); // the main-thread work of this frame's redraw (perf.mjs reads it)
    }
    c.events = events.length;
    if (firstRender) {
      firstRender = false;
      c.firstRenderMs = performance.now();
      c.firstRenderCostMs = c.firstRenderMs - t0;
      performance.mark('connlab:first-render');
    }
    document.body.dataset.events = String(events.length);
  }

  function downloadEvents(): void {
    const blob = new Blob([JSON.stringify(watch.trace.events, null, 1)], { type: 'application/json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `connlab-${id}-events.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  const del = owner
    ? h('button', { type: 'button', class: 'danger', 'data-testid': 'delete', onclick: (async () => {
      if (!confirm('Delete this session and its trace?')) {
        return;
      }
      try {
        await api.remove(id);
        tokens.remove(id);
        host.navigate('/');
      } catch (e) {
        host.notify(describe(e), true);
      }
    }) as EventListener }, 'delete')
    : null;

  const page = h('div', { class: 'session-page', 'data-session': id },
    options.banner ?? null,
    h('header', { class: 'session-head' },
      h('a', { href: '/', class: 'back' }, '← sessions'), title, statusEl, clock, count),
    h('div', { class: 'session-bar' }, mode, h('div', { class: 'share' }, shareInput, copy),
      h('div', { class: 'downloads', role: 'group', 'aria-label': 'downloads' }, 'Download: ', pcap, ' ', json), del),
    problem,
    announcer,
    h('div', { class: 'grid' },
      h('div', { class: 'col-main' }, ladderView.root, predict.root, controls?.root ?? null, log.root),
      h('div', { class: 'col-side' }, cards.root, states.root, listener.root)));

  const onKey = (e: KeyboardEvent) => {
    const t = e.target as HTMLElement;
    if (!controls || e.ctrlKey || e.metaKey || e.altKey || t.closest('input, select, textarea, [contenteditable]')) {
      return;
    }
    if (controls.key(e)) {
      e.preventDefault();
    }
  };
  document.addEventListener('keydown', onKey);
  // The hub connection starts once the first frame is out: setting it up is main-thread work that a first draw from
  // the REST trace (often there already) need not wait for. Watch waits for that read anyway. (A hidden tab has no
  // frames, hence the timeout.)
  let started = false;
  const connect = () => {
    if (!started) {
      started = true;
      void watch.start();
    }
  };
  requestAnimationFrame(() => setTimeout(connect, 0));
  setTimeout(connect, 250);
  return Object.assign(page, {
    async dispose() {
      document.removeEventListener('keydown', onKey);
      await watch.stop();
    },
  });
}
