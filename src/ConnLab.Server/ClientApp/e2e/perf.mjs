// Dashboard figures in headless Chromium (README "Dashboard"): first render of sessions with 1,000 and 10,000 events,
// and frame times while a live session receives ~100 events/s. Needs a server without the default rate limit:
//   ConnLab__RequestsPerMinutePerClient=1000000 dotnet run --project src/ConnLab.Server
//   node e2e/perf.mjs            (BASE_URL, default http://127.0.0.1:5080)
import { BASE, launch, open, waitEvents, waitLive } from './lib.mjs';

async function post(path, body, token) {
  const r = await fetch(BASE + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body ?? {}),
  });
  if (!r.ok) {
    throw new Error(`${path}: ${r.status} ${await r.text()}`);
  }
  return r.json();
}

async function established() {
  const created = await post('/api/sessions', { name: 'perf', client: { isn: 1000 }, server: { isn: 5000 } });
  const id = created.session.id;
  const t = created.token;
  await post(`/api/sessions/${id}/endpoints/server/listen`, {}, t);
  await post(`/api/sessions/${id}/endpoints/client/connect`, {}, t);
  const run = await post(`/api/sessions/${id}/run`, { until: 'idle' }, t);
  return { id, t, count: run.session.eventCount };
}

/** One exchange: the client sends 10 octets and the pair runs until idle (about 10 events). */
async function exchange(s) {
  await post(`/api/sessions/${s.id}/endpoints/client/send`, { data: '0123456789' }, s.t);
  const run = await post(`/api/sessions/${s.id}/run`, { until: 'idle' }, s.t);
  s.count = run.session.eventCount;
}

async function sessionWith(events) {
  const s = await established();
  while (s.count < events) {
    await exchange(s);
  }
  return s;
}

const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};
const pct = (xs, p) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/**
 * Resolves when the page marks its first render. Nothing is evaluated in the page until then: waitForFunction would
 * inject Playwright's script (tens of ms of compiling on the main thread) in the middle of what is being measured.
 */
async function watchFirstRender(page) {
  let rendered;
  page.rendered = new Promise((r) => (rendered = r));
  await page.exposeBinding('connlabPerfRendered', () => rendered());
  await page.addInitScript(() => new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => e.name === 'connlab:first-render')) {
      window.connlabPerfRendered();
    }
  }).observe({ type: 'mark', buffered: true }));
}

const browser = await launch();
const sessions = new Map();
try {
  // Cold: a new tab straight at the session (its renderer process starts with it: ~100-250 ms on a 2-core VM before
  // any of the page runs). From the list: the tab shows the session list first, as when a session is opened from it.
  for (const [n, via] of [[1000, null], [1000, '/'], [10000, null], [10000, '/']]) {
    const s = via === '/' && sessions.has(n) ? sessions.get(n) : await sessionWith(n);
    sessions.set(n, s);
    const runs = [];
    for (let i = 0; i < 5; i++) {
      const page = await open(browser, `/?session=${s.id}`, { before: watchFirstRender, via });
      await page.rendered;
      await waitEvents(page, s.count);
      runs.push(await page.evaluate(() => {
        const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
        const nav = performance.getEntriesByType('navigation')[0];
        return {
          total: window.connlab.firstRenderMs, render: window.connlab.firstRenderCostMs, fetched: at('connlab:fetched'),
          loaded: nav ? nav.domContentLoadedEventEnd : NaN, connected: at('connlab:connected'), watched: at('connlab:watched'),
        };
      }));
      await page.context().close();
    }
    console.log(`first render, ${s.count} events, ${via ? 'opened from the session list' : 'new tab'}: navigation → drawn median ${median(runs.map((r) => r.total)).toFixed(0)} ms ` +
      `(runs ${runs.map((r) => r.total.toFixed(0)).join(', ')}); the render itself median ${median(runs.map((r) => r.render)).toFixed(1)} ms; ` +
      `page loaded ${median(runs.map((r) => r.loaded)).toFixed(0)} ms, trace read over REST ${median(runs.map((r) => r.fetched)).toFixed(0)} ms, SignalR connected ${median(runs.map((r) => r.connected)).toFixed(0)} ms, ` +
      `Watch answered ${median(runs.map((r) => r.watched)).toFixed(0)} ms`);
  }

  // Live: ~100 events/s for 10 s while the page records every frame's duration.
  const s = await sessionWith(200);
  const page = await open(browser, `/?session=${s.id}`);
  await waitLive(page);
  await waitEvents(page, s.count);
  const workBefore = await page.evaluate(() => window.connlab.renderWorkMs.length);
  await page.evaluate(() => {
    window.frames_ = [];
    let last = performance.now();
    const tick = (t) => {
      window.frames_.push(t - last);
      last = t;
      if (!window.stopFrames_) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const start = Date.now();
  const startCount = s.count;
  const seconds = 10;
  while (Date.now() - start < seconds * 1000) {
    const due = start + ((s.count - startCount) / 100) * 1000; // pace to 100 events/s
    const wait = due - Date.now();
    if (wait > 0) {
      await new Promise((r) => setTimeout(r, wait));
    }
    await exchange(s);
  }
  await waitEvents(page, s.count);
  const frames = await page.evaluate(() => {
    window.stopFrames_ = true;
    return window.frames_.slice(1);
  });
  const work = await page.evaluate((from) => window.connlab.renderWorkMs.slice(from), workBefore);
  const rate = (s.count - startCount) / ((Date.now() - start) / 1000);
  console.log(`live, ${rate.toFixed(0)} events/s for ${seconds} s (${s.count - startCount} events, ${frames.length} frames): ` +
    `median frame ${median(frames).toFixed(1)} ms, p95 ${pct(frames, 95).toFixed(1)} ms, p99 ${pct(frames, 99).toFixed(1)} ms, ` +
    `longest ${Math.max(...frames).toFixed(1)} ms (rAF to rAF: one 60 Hz frame is the floor); ` +
    `redraw work per frame (${work.length} redraws): median ${median(work).toFixed(1)} ms, p99 ${pct(work, 99).toFixed(1)} ms`);
} finally {
  await browser.close();
}
