// REST calls (architecture §3). Commands are fire-and-check: the dashboard does not render their answers, it waits
// for the SignalR push, so every open page (the owner's and the watchers') shows the same thing the same way.
import type { Problem, Scenario, Session, SessionSummary } from './model';
import type { WorkshopGrid } from './workshop';

const TOKENS = 'connlab.tokens';
const WORKSHOPS = 'connlab.workshops';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export const tokens = {
  all(): Record<string, string> {
    try {
      return JSON.parse(localStorage.getItem(TOKENS) ?? '{}') as Record<string, string>;
    } catch {
      return {};
    }
  },
  get(id: string): string | null {
    return this.all()[id] ?? null;
  },
  set(id: string, token: string): void {
    localStorage.setItem(TOKENS, JSON.stringify({ ...this.all(), [id]: token }));
  },
  remove(id: string): void {
    const all = this.all();
    delete all[id];
    localStorage.setItem(TOKENS, JSON.stringify(all));
  },
};

/** Instructor keys of the workshops this browser created (workshop id → key). */
export const workshopKeys = {
  all(): Record<string, string> {
    try {
      return JSON.parse(localStorage.getItem(WORKSHOPS) ?? '{}') as Record<string, string>;
    } catch {
      return {};
    }
  },
  get(id: string): string | null {
    return this.all()[id] ?? null;
  },
  set(id: string, key: string): void {
    localStorage.setItem(WORKSHOPS, JSON.stringify({ ...this.all(), [id]: key }));
  },
  remove(id: string): void {
    const all = this.all();
    delete all[id];
    localStorage.setItem(WORKSHOPS, JSON.stringify(all));
  },
};

async function call<T>(method: string, path: string, body?: unknown, token?: string | null): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) {
    let problem: Problem = { title: response.statusText, status: response.status };
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(response.status, problem);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface CreateBody {
  name?: string;
  profile?: string;
  seed?: number;
  scenario?: string;
  client?: { isn?: number };
  server?: { isn?: number; backlog?: number; synCookies?: boolean; autoAccept?: boolean; autoRead?: boolean; receiveBuffer?: number };
  link?: { delayMs?: number; jitterMs?: number; lossRate?: number; duplicateRate?: number; reorderRate?: number };
}

export const api = {
  scenarios: () => call<Scenario[]>('GET', '/api/scenarios'),
  list: () => call<SessionSummary[]>('GET', '/api/sessions'),
  create: (body: CreateBody) => call<{ token: string; session: Session }>('POST', '/api/sessions', body),
  /** A command on a session; the answer is not needed (the push brings it). */
  command: (id: string, path: string, body?: unknown) => call<unknown>('POST', `/api/sessions/${encodeURIComponent(id)}${path}`, body, tokens.get(id)),
  fork: (id: string, atStep: number) =>
    call<{ token: string; session: Session }>('POST', `/api/sessions/${encodeURIComponent(id)}/fork`, { atStep }, tokens.get(id)),
  remove: (id: string) => call<void>('DELETE', `/api/sessions/${encodeURIComponent(id)}`, undefined, tokens.get(id)),
};

export interface CreatedWorkshop {
  instructorKey: string;
  templateToken: string;
  workshop: WorkshopGrid;
  template: Session;
}

export interface JoinedWorkshop {
  workshopId: string;
  workshopName: string;
  code: string;
  token: string;
  session: Session;
  followSessionId?: string | null;
}

export const workshopApi = {
  create: (body: { name?: string; scenario?: string; profile?: string }) => call<CreatedWorkshop>('POST', '/api/workshops', body),
  join: (code: string, studentName: string) => call<JoinedWorkshop>('POST', '/api/workshops/join', { code, studentName }),
  grid: (id: string) => call<WorkshopGrid>('GET', `/api/workshops/${encodeURIComponent(id)}`, undefined, workshopKeys.get(id)),
  follow: (id: string, on: boolean, sessionId?: string) =>
    call<WorkshopGrid>('POST', `/api/workshops/${encodeURIComponent(id)}/follow`, { on, sessionId }, workshopKeys.get(id)),
  close: (id: string) => call<WorkshopGrid>('POST', `/api/workshops/${encodeURIComponent(id)}/close`, undefined, workshopKeys.get(id)),
};
