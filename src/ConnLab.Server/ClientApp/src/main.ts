// The dashboard: `/` lists and creates sessions and workshops; `/?session=<id>` shows one live (with the controls if
// this browser holds its token; `&join=<code>` as a workshop student, following the instructor when asked);
// `/?workshop=<id>` is an instructor's workshop page. `?presenter=1` (or the toggle) switches to large type and high contrast.
import './app.css';
import { h } from './dom';
import { listPage } from './ui/list-page';
import { sessionPage, type PageHost } from './ui/session-page';
import { instructorPage, joinedCode, studentPage } from './ui/workshop-pages';

const PRESENTER = 'connlab.presenter';

function start(): void {
  const params = new URLSearchParams(location.search);
  const presenterParam = params.get('presenter');
  if (presenterParam !== null) {
    localStorage.setItem(PRESENTER, presenterParam === '1' ? '1' : '0');
  }
  const presenter = () => localStorage.getItem(PRESENTER) === '1';
  document.body.classList.toggle('presenter', presenter());

  const toast = h('div', { class: 'toast', role: 'alert', 'data-testid': 'toast', hidden: true });
  let toastTimer = 0;
  const host: PageHost = {
    notify(message, error = false) {
      toast.textContent = message;
      toast.classList.toggle('error', error);
      toast.hidden = false;
      clearTimeout(toastTimer);
      toastTimer = window.setTimeout(() => (toast.hidden = true), error ? 8000 : 3000);
    },
    navigate(url) {
      location.assign(url);
    },
  };
  const toggle = h('button', { type: 'button', class: 'presenter-toggle', 'aria-pressed': String(presenter()), 'data-testid': 'presenter-toggle' }, 'presenter mode');
  toggle.addEventListener('click', () => {
    const on = !presenter();
    localStorage.setItem(PRESENTER, on ? '1' : '0');
    document.body.classList.toggle('presenter', on);
    toggle.setAttribute('aria-pressed', String(on));
    window.dispatchEvent(new Event('resize'));
  });

  const id = params.get('session');
  const join = params.get('join') ?? (id ? joinedCode(id) : null);
  const workshop = params.get('workshop');
  const app = document.getElementById('app')!;
  const page = id && join ? studentPage(id, join, host) : id ? sessionPage(id, host) : workshop ? instructorPage(workshop, host) : listPage(host);
  app.replaceChildren(h('div', { class: 'topbar' }, toggle), page, toast);
  document.title = id ? `ConnLab · ${id}` : workshop ? 'ConnLab · workshop' : 'ConnLab';
}

start();
