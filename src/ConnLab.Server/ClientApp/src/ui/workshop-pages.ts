// Workshops in the dashboard: the start page's section (run one, join one), the instructor's page (the join code
// big, follow-me, close, the live grid of students) and the student's page (their own session, or the followed one,
// read-only, while follow-me is on). Live updates come over SignalR (/hubs/lab: WatchWorkshop, JoinWorkshop).
import { ApiError, api, tokens, workshopApi, workshopKeys } from '../api';
import { h, setText } from '../dom';
import { newHub } from '../hub';
import {
  displayCode, gridLines, isCode, normalizeCode, outcomeClass, outcomeSummary, shownSession, type WorkshopGrid, type WorkshopPresence,
} from '../workshop';
import { describe } from './controls';
import { sessionPage, type PageHost, type SessionPageElement } from './session-page';

const JOINED = 'connlab.joined';

function problem(e: unknown): string {
  return e instanceof ApiError ? describe(e) : (e as Error).message;
}

/** The start page's Workshop section: an instructor creates one; a student joins one by code. */
export function workshopSection(host: PageHost): HTMLElement {
  const name = h('input', { type: 'text', name: 'workshopName', id: 'w-name', placeholder: 'Networks 101', 'data-testid': 'w-name' });
  const scenario = h('select', { name: 'workshopScenario', id: 'w-scenario', 'data-testid': 'w-scenario' }, h('option', { value: 'handshake' }, 'handshake'));
  const profile = h('select', { name: 'workshopProfile', id: 'w-profile', 'data-testid': 'w-profile' },
    h('option', { value: 'rfc9293' }, 'rfc9293'), h('option', { value: 'linux' }, 'linux'));
  const run = h('form', { class: 'workshop-run', 'aria-labelledby': 'w-run-title', 'data-testid': 'workshop-create-form' },
    h('h3', { id: 'w-run-title' }, 'Run a workshop (instructor)'),
    h('div', { class: 'fields' },
      h('label', { for: 'w-name' }, h('span', {}, 'name'), name),
      h('label', { for: 'w-scenario' }, h('span', {}, 'scenario'), scenario),
      h('label', { for: 'w-profile' }, h('span', {}, 'profile'), profile)),
    h('button', { type: 'submit', 'data-testid': 'workshop-create' }, 'Create workshop'));
  run.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const created = await workshopApi.create({ name: name.value.trim() || undefined, scenario: scenario.value || undefined, profile: profile.value });
      workshopKeys.set(created.workshop.id, created.instructorKey);
      tokens.set(created.template.id, created.templateToken);
      host.navigate(`/?workshop=${encodeURIComponent(created.workshop.id)}`);
    } catch (err) {
      host.notify(problem(err), true);
    }
  });

  const code = h('input', { type: 'text', name: 'joinCode', id: 'j-code', autocomplete: 'off', placeholder: 'K7M X2Q', size: 9, 'data-testid': 'j-code',
    'aria-describedby': 'j-help' });
  const student = h('input', { type: 'text', name: 'studentName', id: 'j-name', autocomplete: 'name', maxlength: 60, 'data-testid': 'j-name' });
  const join = h('form', { class: 'workshop-join', 'aria-labelledby': 'w-join-title', 'data-testid': 'workshop-join-form' },
    h('h3', { id: 'w-join-title' }, 'Join a workshop (student)'),
    h('div', { class: 'fields' },
      h('label', { for: 'j-code' }, h('span', {}, 'code'), code),
      h('label', { for: 'j-name' }, h('span', {}, 'your name'), student)),
    h('p', { class: 'muted', id: 'j-help' }, 'The 6-character code on the projector; case and spaces do not matter.'),
    h('button', { type: 'submit', 'data-testid': 'workshop-join' }, 'Join'));
  join.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!isCode(code.value)) {
      host.notify('A join code has 6 letters and digits (no O, 0, I or 1).', true);
      code.focus();
      return;
    }
    if (!student.value.trim()) {
      host.notify('Enter your name: the instructor’s grid shows it.', true);
      student.focus();
      return;
    }
    try {
      const joined = await workshopApi.join(normalizeCode(code.value), student.value.trim());
      tokens.set(joined.session.id, joined.token);
      localStorage.setItem(JOINED, JSON.stringify({ ...joinedAll(), [joined.session.id]: joined.code }));
      host.navigate(`/?session=${encodeURIComponent(joined.session.id)}&join=${encodeURIComponent(joined.code)}`);
    } catch (err) {
      host.notify(problem(err), true);
    }
  });

  void api.scenarios().then((all) => {
    scenario.replaceChildren(...all.map((s) => h('option', { value: s.name, selected: s.name === 'handshake' }, `${s.name} — ${s.title}`)));
  }, () => undefined);

  const mine = Object.keys(workshopKeys.all());
  return h('section', { class: 'panel workshops', 'aria-labelledby': 'workshops-title', 'data-testid': 'workshop-section' },
    h('h2', { id: 'workshops-title' }, 'Workshop'),
    h('p', { class: 'muted' }, 'An instructor runs a scenario for a class: each student who joins with the code gets their own copy to drive.'),
    h('div', { class: 'workshop-forms' }, run, join),
    mine.length ? h('p', {}, 'Your workshops: ', ...mine.flatMap((id, i) => [i ? ' · ' : '', h('a', { href: `/?workshop=${encodeURIComponent(id)}` }, id)])) : null);
}

/** The join code of a workshop sandbox this browser joined, so `/?session=<id>` alone still follows the workshop. */
export function joinedCode(sessionId: string): string | null {
  return joinedAll()[sessionId] ?? null;
}

function joinedAll(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(JOINED) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

/** The instructor's page: the code for the projector, follow-me, close, and every student's sandbox live. */
export function instructorPage(id: string, host: PageHost): HTMLElement {
  if (!workshopKeys.get(id)) {
    // Another browser than the one that created it: the key (shown once at creation) can be pasted here.
    const key = h('input', { type: 'password', id: 'k-key', autocomplete: 'off', size: 44, 'data-testid': 'instructor-key' });
    const form = h('form', { class: 'panel', 'aria-labelledby': 'k-title' },
      h('h2', { id: 'k-title' }, 'Instructor key'),
      h('p', { role: 'alert' }, 'This browser does not hold the instructor key of this workshop (it is kept where the workshop was created).'),
      h('label', { for: 'k-key' }, 'key ', key), ' ', h('button', { type: 'submit' }, 'Use this key'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (key.value.trim()) {
        workshopKeys.set(id, key.value.trim());
        location.reload();
      }
    });
    return h('div', { class: 'workshop-page' }, h('a', { href: '/', class: 'back' }, '← start'), form);
  }
  let grid: WorkshopGrid | null = null;
  const title = h('h1', {}, 'Workshop');
  const codeEl = h('p', { class: 'join-code', 'data-testid': 'join-code' }, '…');
  const joinHint = h('p', { class: 'join-hint' }, `Students: open ${location.origin}/ → Join a workshop → this code.`);
  const statusEl = h('span', { class: 'status', role: 'status', 'data-testid': 'workshop-link' }, 'connecting…');
  const summary = h('p', { class: 'grid-summary', 'aria-live': 'polite', 'data-testid': 'grid-summary' });
  const follow = h('button', { type: 'button', 'aria-pressed': 'false', 'data-testid': 'follow-toggle' }, 'follow me');
  const template = h('a', { class: 'button', 'data-testid': 'open-template' }, 'open my session');
  const close = h('button', { type: 'button', class: 'danger', 'data-testid': 'close-workshop' }, 'close workshop');
  const body = h('tbody', {});
  const table = h('table', { class: 'workshop-grid', 'data-testid': 'workshop-grid' },
    h('caption', { class: 'sr-only' }, 'Students: states, steps, events and outcome of each sandbox'),
    h('thead', {}, h('tr', {}, ...['student', 'client', 'server', 'step', 'events', 'outcome', ''].map((c) => h('th', { scope: 'col' }, c)))),
    body);

  function render(g: WorkshopGrid): void {
    grid = g;
    setText(title, `Workshop · ${g.name}`);
    setText(codeEl, displayCode(g.code));
    codeEl.setAttribute('aria-label', `join code ${[...g.code].join(' ')}`);
    template.setAttribute('href', `/?session=${encodeURIComponent(g.templateSessionId)}`);
    const following = !!g.followSessionId;
    follow.setAttribute('aria-pressed', String(following));
    setText(follow, following ? (g.followSessionId === g.templateSessionId ? 'follow me: on' : 'follow: on (a student)') : 'follow me: off');
    follow.disabled = !g.open;
    close.disabled = !g.open;
    codeEl.classList.toggle('closed', !g.open);
    setText(summary, `${g.students.length} of ${g.maxStudents} students · ${outcomeSummary(g)}${g.open ? '' : ' · closed: the code no longer works'}`);
    body.replaceChildren(...gridLines(g).map((line) => h('tr', { 'data-testid': 'grid-row', 'data-session': line.sessionId, class: line.followed ? 'followed' : '' },
      h('th', { scope: 'row' }, h('a', { href: `/?session=${encodeURIComponent(line.sessionId)}` }, line.cells[0])),
      h('td', {}, line.cells[1]), h('td', {}, line.cells[2]), h('td', {}, line.cells[3]), h('td', {}, line.cells[4]),
      h('td', {}, h('span', { class: `outcome ${outcomeClass(line.outcome)}` }, line.outcome)),
      h('td', {}, g.open
        ? h('button', { type: 'button', 'aria-label': `show ${line.cells[0]}'s session to everyone`, onclick: (() => void setFollow(true, line.sessionId)) as EventListener },
          'show to all')
        : null))));
    if (g.students.length === 0) {
      body.replaceChildren(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'Nobody has joined yet.')));
    }
  }

  async function setFollow(on: boolean, sessionId?: string): Promise<void> {
    try {
      render(await workshopApi.follow(id, on, sessionId));
      host.notify(on ? 'Every student page now shows this session' : 'Students are back in their own sessions');
    } catch (e) {
      host.notify(problem(e), true);
    }
  }

  follow.addEventListener('click', () => void setFollow(!grid?.followSessionId));
  close.addEventListener('click', async () => {
    if (!confirm('Close the workshop? The code stops working and the students’ sessions become read-only.')) {
      return;
    }
    try {
      render(await workshopApi.close(id));
    } catch (e) {
      host.notify(problem(e), true);
    }
  });

  // Live: the grid pushed over SignalR; polling every 2 s while the hub is unreachable.
  let poll = 0;
  const startPolling = () => {
    if (!poll) {
      poll = window.setInterval(() => void workshopApi.grid(id).then(render, () => undefined), 2000);
    }
  };
  const stopPolling = () => {
    clearInterval(poll);
    poll = 0;
  };
  void (async () => {
    try {
      render(await workshopApi.grid(id));
      const connection = await newHub();
      connection.on('WorkshopGrid', (g: WorkshopGrid) => {
        if (g.id === id) {
          render(g);
        }
      });
      const watch = async () => {
        render(await connection.invoke<WorkshopGrid>('WatchWorkshop', id, workshopKeys.get(id)));
        setText(statusEl, 'live');
        statusEl.dataset.status = 'live';
        stopPolling();
      };
      connection.onreconnecting(() => {
        setText(statusEl, 'reconnecting… (polling)');
        startPolling();
      });
      connection.onreconnected(() => void watch().catch(() => undefined));
      await connection.start();
      await watch();
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) {
        workshopKeys.remove(id); // a wrong key (or no such workshop): ask again on reload
        setText(statusEl, problem(e));
        host.notify(problem(e), true);
        return;
      }
      setText(statusEl, `polling every 2 s (${problem(e)})`);
      startPolling();
    }
  })();

  return h('div', { class: 'workshop-page', 'data-testid': 'instructor-page' },
    h('header', { class: 'session-head' }, h('a', { href: '/', class: 'back' }, '← start'), title, statusEl),
    h('section', { class: 'panel code-panel', 'aria-label': 'join code' }, h('p', { class: 'muted' }, 'Join code'), codeEl, joinHint),
    h('div', { class: 'workshop-actions', role: 'group', 'aria-label': 'workshop actions' }, template, follow, close),
    h('section', { class: 'panel', 'aria-labelledby': 'grid-title' }, h('h2', { id: 'grid-title' }, 'Students'), summary, table));
}

/** A student's page: their own sandbox, or the instructor's chosen session (read-only) while follow-me is on. */
export function studentPage(ownId: string, code: string, host: PageHost): HTMLElement {
  const statusEl = h('span', { role: 'status', 'data-testid': 'workshop-status' }, 'joining…');
  const back = h('button', { type: 'button', hidden: true, 'data-testid': 'back-to-mine' }, 'back to my session');
  const banner = h('div', { class: 'workshop-banner', 'data-testid': 'workshop-banner' },
    h('strong', {}, `Workshop ${displayCode(code)}`), ' · ', statusEl, ' ', back);
  const container = h('div', {});
  let current: SessionPageElement | null = null;
  let shown = '';
  let follow: string | null = null;
  let closed = false;
  let local = false; // the student chose to look at their own session while follow-me is on

  function show(): void {
    const target = shownSession(ownId, local ? null : follow);
    const text = closed
      ? 'closed: your session is read-only now'
      : target.following ? 'following the instructor (read-only)' : follow ? 'your own session (follow-me is on)' : 'your own session';
    setText(statusEl, text);
    document.body.dataset.following = String(target.following);
    back.hidden = !target.following;
    const readOnly = target.following || closed;
    const key = `${target.id}|${readOnly}`;
    if (key === shown) {
      return;
    }
    shown = key;
    const old = current;
    current = sessionPage(target.id, host, {
      readOnly,
      readOnlyReason: target.following
        ? 'Following the instructor: read-only until follow-me is turned off.'
        : 'The workshop has closed: your session stays here to read, but no longer changes.',
    });
    container.replaceChildren(current);
    void old?.dispose();
  }
  back.addEventListener('click', () => {
    local = true;
    show();
  });

  show();
  void (async () => {
    try {
      const connection = await newHub();
      connection.on('WorkshopFollow', (_workshop: string, sessionId: string | null) => {
        follow = sessionId;
        local = false;
        show();
        host.notify(sessionId ? 'The instructor is showing a session to everyone' : 'Back to your own session');
      });
      connection.on('WorkshopClosed', () => {
        closed = true;
        follow = null;
        show();
      });
      const joinGroup = async () => {
        const presence = await connection.invoke<WorkshopPresence>('JoinWorkshop', code);
        follow = presence.followSessionId ?? null;
        show();
      };
      connection.onreconnected(() => void joinGroup().catch(() => undefined));
      await connection.start();
      await joinGroup();
    } catch (e) {
      closed = /closed|expired/.test((e as Error).message);
      if (closed) {
        show();
      } else {
        setText(statusEl, `not connected to the workshop (${(e as Error).message})`);
      }
    }
  })();
  return h('div', { class: 'student-page', 'data-testid': 'student-page' }, banner, container);
}
