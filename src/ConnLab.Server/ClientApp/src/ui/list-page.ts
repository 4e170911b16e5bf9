// The start page: sessions (yours on this server, and those whose tokens this browser keeps), a create form, and
// "open a link" for watchers.
import { ApiError, api, tokens, type CreateBody } from '../api';
import { h } from '../dom';
import type { PageHost } from './session-page';
import { describe } from './controls';
import { workshopSection } from './workshop-pages';

export function listPage(host: PageHost): HTMLElement {
  const list = h('ul', { class: 'sessions', 'data-testid': 'session-list', 'aria-live': 'polite' }, h('li', { class: 'muted' }, 'loading…'));
  const scenario = h('select', { name: 'scenario', id: 'f-scenario', 'data-testid': 'f-scenario' }, h('option', { value: '' }, '(none: an idle pair)'));
  const scenarioHelp = h('p', { class: 'muted', id: 'scenario-help' });
  scenario.setAttribute('aria-describedby', 'scenario-help');
  const field = (label: string, input: HTMLElement) => h('label', {}, h('span', {}, label), input);
  const num = (name: string, value: string, extra: Record<string, string | number> = {}) =>
    h('input', { type: 'number', name, value, 'data-testid': `f-${name}`, ...extra });

  const name = h('input', { type: 'text', name: 'name', placeholder: 'lab 1', 'data-testid': 'f-name' });
  const profile = h('select', { name: 'profile', 'data-testid': 'f-profile' },
    h('option', { value: 'rfc9293' }, 'rfc9293 (the textbook)'), h('option', { value: 'linux' }, 'linux (Linux 6.18 defaults)'));
  const seed = num('seed', '', { min: 0, placeholder: '1' });
  const clientIsn = num('clientIsn', '1000', { min: 0, max: 4294967295 });
  const serverIsn = num('serverIsn', '5000', { min: 0, max: 4294967295 });
  const delay = num('delayMs', '10', { min: 0, step: 'any' });
  const jitter = num('jitterMs', '0', { min: 0, step: 'any' });
  const loss = num('lossRate', '0', { min: 0, max: 1, step: 0.01 });
  const dup = num('duplicateRate', '0', { min: 0, max: 1, step: 0.01 });
  const reorder = num('reorderRate', '0', { min: 0, max: 1, step: 0.01 });
  const backlog = num('backlog', '', { min: 0, placeholder: '128' });
  const cookies = h('input', { type: 'checkbox', name: 'synCookies', 'data-testid': 'f-synCookies' });
  // The receiving application, for the accept-queue and window lessons: unticked, the server's accept and read buttons do it.
  const autoAccept = h('input', { type: 'checkbox', name: 'autoAccept', checked: true, 'data-testid': 'f-autoAccept' });
  const autoRead = h('input', { type: 'checkbox', name: 'autoRead', checked: true, 'data-testid': 'f-autoRead' });
  const receiveBuffer = num('receiveBuffer', '', { min: 1, max: 65535, placeholder: '65535' });

  const form = h('form', { class: 'panel create', 'aria-labelledby': 'create-title', 'data-testid': 'create-form' },
    h('h2', { id: 'create-title' }, 'New session'),
    h('div', { class: 'fields' },
      field('name', name), field('profile', profile), field('scenario', scenario), field('seed', seed),
      field('client ISN', clientIsn), field('server ISN', serverIsn)),
    scenarioHelp,
    h('fieldset', {}, h('legend', {}, 'Link'),
      h('div', { class: 'fields' }, field('delay ms', delay), field('jitter ms', jitter), field('loss rate', loss),
        field('duplicate rate', dup), field('reorder rate', reorder))),
    h('fieldset', {}, h('legend', {}, 'Server listener'),
      h('div', { class: 'fields' }, field('backlog', backlog), h('label', { class: 'check' }, cookies, ' SYN cookies'),
        h('label', { class: 'check' }, autoAccept, ' accepts at once'), h('label', { class: 'check' }, autoRead, ' reads at once'),
        field('receive buffer', receiveBuffer))),
    h('button', { type: 'submit', 'data-testid': 'create' }, 'Create session'));

  const scenarios = new Map<string, string>();
  scenario.addEventListener('change', () => {
    scenarioHelp.textContent = scenarios.get(scenario.value) ?? '';
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const n = (i: HTMLInputElement) => (i.value.trim() === '' ? undefined : Number(i.value));
    const body: CreateBody = {
      name: name.value.trim() || undefined,
      profile: profile.value,
      seed: n(seed),
      scenario: scenario.value || undefined,
      client: { isn: n(clientIsn) },
      server: {
        isn: n(serverIsn), backlog: n(backlog), synCookies: cookies.checked || undefined,
        autoAccept: autoAccept.checked ? undefined : false, autoRead: autoRead.checked ? undefined : false, receiveBuffer: n(receiveBuffer),
      },
      link: { delayMs: n(delay), jitterMs: n(jitter), lossRate: n(loss), duplicateRate: n(dup), reorderRate: n(reorder) },
    };
    try {
      const created = await api.create(JSON.parse(JSON.stringify(body)) as CreateBody);
      tokens.set(created.session.id, created.token);
      host.navigate(`/?session=${encodeURIComponent(created.session.id)}`);
    } catch (err) {
      host.notify(err instanceof ApiError ? describe(err) : (err as Error).message, true);
    }
  });

  const join = h('input', { type: 'text', name: 'join', placeholder: 'paste a session link or id', 'aria-label': 'session link or id', size: 40 });
  const joinForm = h('form', { class: 'panel join', 'aria-labelledby': 'join-title' },
    h('h2', { id: 'join-title' }, 'Watch a session'), join, h('button', { type: 'submit' }, 'Open'));
  joinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = join.value.trim();
    const id = /[?&]session=([^&#]+)/.exec(v)?.[1] ?? v;
    if (id) {
      host.navigate(`/?session=${encodeURIComponent(decodeURIComponent(id))}`);
    }
  });

  void (async () => {
    try {
      const scs = await api.scenarios();
      for (const s of scs) {
        scenarios.set(s.name, s.description);
        scenario.append(h('option', { value: s.name }, `${s.name} — ${s.title}`));
      }
    } catch (e) {
      host.notify(`scenarios: ${(e as Error).message}`, true);
    }
    try {
      const mine = await api.list();
      const known = tokens.all();
      const ids = new Set(mine.map((s) => s.id));
      const items = mine.map((s) => h('li', {}, h('a', { href: `/?session=${encodeURIComponent(s.id)}` }, `${s.name} · ${s.id}`),
        ` ${new Date(s.createdAt).toLocaleString()}`, known[s.id] ? h('span', { class: 'tag' }, 'owner') : null));
      for (const id of Object.keys(known).filter((k) => !ids.has(k))) {
        items.push(h('li', {}, h('a', { href: `/?session=${encodeURIComponent(id)}` }, id), h('span', { class: 'tag' }, 'owner')));
      }
      list.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, 'No sessions yet: create one.')]));
    } catch (e) {
      list.replaceChildren(h('li', { class: 'muted' }, `could not list sessions: ${(e as Error).message}`));
    }
  })();

  return h('div', { class: 'list-page' },
    h('h1', {}, 'ConnLab'),
    h('p', { class: 'lead' }, 'A TCP connection lab: simulated RFC 9293 endpoint pairs you step through segment by segment. ',
      h('a', { href: '/swagger' }, 'Swagger UI'), ' · ', h('a', { href: '/api/scenarios' }, 'lesson presets')),
    workshopSection(host),
    h('div', { class: 'list-grid' }, form,
      h('div', {}, h('section', { class: 'panel', 'aria-labelledby': 'list-title' }, h('h2', { id: 'list-title' }, 'Sessions'), list), joinForm)));
}
