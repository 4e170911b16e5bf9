// Workshops as the pages see them: the grid's lines, join codes, and which session a student page shows.
// Pure; ui/workshop-pages.ts draws.

export interface WorkshopStudent {
  name: string;
  sessionId: string;
  joinedAt: string;
  clientState?: string | null;
  serverState?: string | null;
  step: number;
  eventCount: number;
  timeMs: number;
  outcome: string;
}

export interface WorkshopGrid {
  id: string;
  name: string;
  code: string;
  scenario: string;
  templateSessionId: string;
  createdAt: string;
  expiresAt: string;
  open: boolean;
  closedAt?: string | null;
  followSessionId?: string | null;
  maxStudents: number;
  students: WorkshopStudent[];
}

export interface WorkshopPresence {
  workshopId: string;
  name: string;
  open: boolean;
  followSessionId?: string | null;
}

export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A code as typed (any case, spaces, dashes) in the server's canonical form. */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

/** True for a code of the right shape (6 characters of the alphabet). */
export function isCode(code: string): boolean {
  const c = normalizeCode(code);
  return c.length === 6 && [...c].every((ch) => CODE_ALPHABET.includes(ch));
}

/** The code as the projector shows it: two groups of three, easier to read aloud. */
export function displayCode(code: string): string {
  const c = normalizeCode(code);
  return c.length === 6 ? `${c.slice(0, 3)} ${c.slice(3)}` : c;
}

/** Which session a student page shows: the followed one (read-only) while follow-me is on, else their own. */
export function shownSession(own: string, follow: string | null | undefined): { id: string; following: boolean } {
  return follow && follow !== own ? { id: follow, following: true } : { id: own, following: false };
}

/** Outcome → a CSS class (outcome-established, outcome-in-progress, …). */
export function outcomeClass(outcome: string): string {
  return `outcome-${outcome.replace(/\s+/g, '-')}`;
}

export interface GridLine {
  key: string;
  cells: [string, string, string, string, string, string];
  outcome: string;
  sessionId: string;
  followed: boolean;
}

/** The grid's lines in join order: name, client state, server state, step, events, outcome. */
export function gridLines(grid: WorkshopGrid): GridLine[] {
  return grid.students.map((s) => ({
    key: s.sessionId,
    sessionId: s.sessionId,
    cells: [s.name, s.clientState ?? '—', s.serverState ?? '—', String(s.step), String(s.eventCount), s.outcome],
    outcome: s.outcome,
    followed: grid.followSessionId === s.sessionId,
  }));
}

/** Counts per outcome, for the grid's summary line ("3 established · 1 in progress"). */
export function outcomeSummary(grid: WorkshopGrid): string {
  if (grid.students.length === 0) {
    return 'no students yet';
  }
  const counts = new Map<string, number>();
  for (const s of grid.students) {
    counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
  }
  return [...counts].map(([o, n]) => `${n} ${o}`).join(' · ');
}
