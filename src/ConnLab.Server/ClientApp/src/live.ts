// The one way session updates arrive: SignalR's /hubs/lab. Watch(id, from) answers the snapshot and the events from
// `from`, then SessionEvents pushes follow. After an automatic reconnect (or a gap) it watches again from the last
// index + 1; pushes that arrive while a Watch is pending are held and applied after its answer.
// The first draw does not wait for the hub: REST GET /api/sessions/{id}/trace (the same answer, one consistent read)
// is fetched while the connection starts, drawn, and the first Watch then resumes from the index after it.
import { isDisconnected, newHub, type HubConnection } from './hub';
import type { LabEvent, Session, SessionEventsMessage, WatchAnswer } from './model';
import { Trace } from './trace';

export type LinkStatus = 'connecting' | 'live' | 'reconnecting' | 'disconnected' | 'deleted';

export interface WatchHandlers {
  /** New events (in index order) were appended; `reset` means the trace was rebuilt from scratch (first watch, rewind). */
  changed(added: readonly LabEvent[], reset: boolean): void;
  status(status: LinkStatus, detail?: string): void;
}

declare global {
  interface Window {
    /** The trace request index.html starts for `?session=<id>` before this script has loaded. */
    connlabTrace?: { id: string; answer: Promise<WatchAnswer | null> };
  }
}

/** GET /api/sessions/{id}/trace: the one index.html started for this session (taken once), or a new request; null if refused. */
async function readTrace(sessionId: string): Promise<WatchAnswer | null> {
  const early = window.connlabTrace;
  if (early && early.id === sessionId) {
    window.connlabTrace = undefined;
    return early.answer;
  }
  const response = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/trace`);
  return response.ok ? ((await response.json()) as WatchAnswer) : null;
}

export class SessionWatch {
  readonly trace = new Trace();
  /** The hub connection, made (with the SignalR client loaded) when the page first connects. */
  private connection: Promise<HubConnection> | null = null;
  private held: SessionEventsMessage[] | null = null;
  private stopped = false;
  private watching = false;
  /** The REST read of the trace, started at once; settles (never rejects) once it has been drawn or has failed. */
  private first: Promise<void>;

  constructor(
    readonly sessionId: string,
    private handlers: WatchHandlers,
  ) {
    this.first = this.fetchFirst().catch((e: unknown) => console.error('drawing the REST trace failed', e)); // Watch still starts
  }

  private hub(): Promise<HubConnection> {
    return (this.connection ??= newHub().then((connection) => {
      connection.on('SessionEvents', (m: SessionEventsMessage) => this.onEvents(m));
      connection.on('SessionRewound', (s: Session) => this.onRewound(s));
      // Fell too far behind (a slow laptop on shaky Wi-Fi): the server stopped pushing; catch up from where we are.
      connection.on('SessionLagged', (id: string) => {
        if (id === this.sessionId) {
          void this.watch();
        }
      });
      connection.on('SessionDeleted', (id: string) => {
        if (id === this.sessionId) {
          this.handlers.status('deleted');
        }
      });
      connection.onreconnecting(() => this.handlers.status('reconnecting'));
      connection.onreconnected(() => void this.watch());
      connection.onclose(() => {
        if (!this.stopped) {
          this.handlers.status('disconnected', 'the connection closed; retrying');
          setTimeout(() => void this.start(), 3000);
        }
      });
      return connection;
    }, (e: unknown) => {
      this.connection = null; // the script did not load: the next start() tries again
      throw e;
    }));
  }

  async start(): Promise<void> {
    this.handlers.status('connecting');
    let connection: HubConnection | null = null;
    try {
      connection = await this.hub();
      if (this.stopped) {
        return; // the page went away while the SignalR client loaded
      }
      if (isDisconnected(connection)) {
        await connection.start();
        performance.mark('connlab:connected');
      }
      await this.first; // Watch from what the REST read drew, not from 0 again
      await this.watch();
    } catch (e) {
      this.handlers.status('disconnected', (e as Error).message);
      if (!this.stopped && (connection === null || isDisconnected(connection))) {
        setTimeout(() => void this.start(), 3000);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const connection = await this.connection?.catch(() => null);
    await connection?.stop();
  }

  /**
   * The trace over REST while the hub connection starts: drawn at once unless a Watch has answered first. Any failure
   * (a deleted session, a refusal, no network) leaves it to Watch, which reports it.
   */
  private async fetchFirst(): Promise<void> {
    let answer: WatchAnswer | null;
    try {
      answer = await readTrace(this.sessionId);
    } catch {
      return; // no network: Watch(sessionId, 0) reads it instead
    }
    if (answer && this.trace.session === null && !this.stopped) {
      performance.mark('connlab:fetched');
      this.trace.watched(answer, 0);
      this.handlers.changed(answer.events, true);
    }
  }

  /** Watch (again) from the last index + 1. */
  private async watch(): Promise<void> {
    if (this.watching) {
      return;
    }
    this.watching = true;
    this.held = [];
    const from = this.trace.nextIndex;
    try {
      const answer = await (await this.hub()).invoke<WatchAnswer>('Watch', this.sessionId, from);
      performance.mark('connlab:watched');
      const cut = this.trace.watched(answer, from);
      this.handlers.changed(answer.events, from === 0 || cut);
      this.handlers.status('live');
    } finally {
      const held = this.held ?? [];
      this.held = null;
      this.watching = false;
      for (const m of held) {
        this.onEvents(m);
      }
    }
  }

  private onEvents(m: SessionEventsMessage): void {
    if (m.sessionId !== this.sessionId) {
      return;
    }
    if (this.held) {
      this.held.push(m);
      return;
    }
    const before = this.trace.nextIndex;
    const result = this.trace.push(m.events, m.session);
    if (result === 'gap') {
      void this.watch();
    } else if (result === 'appended') {
      this.handlers.changed(this.trace.events.slice(before), false);
    }
  }

  private onRewound(s: Session): void {
    if (s.id !== this.sessionId) {
      return;
    }
    this.trace.rewound(s);
    this.handlers.changed([], true);
  }
}
