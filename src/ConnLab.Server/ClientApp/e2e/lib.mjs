// Shared by the browser scenarios: launch Debian's Chromium headless through playwright-core, open pages on the
// server under test (BASE_URL), fail loudly on page errors, save screenshots (SCREENSHOTS, default
// ../../../../artifacts/screenshots).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:5080';
export const SHOTS = resolve(process.env.SCREENSHOTS ?? join(here, '../../../../artifacts/screenshots'));
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium 156 is the full browser without a screen: every new context opens a window, and every window
 * loads the address bar's WebUI popup (chrome://omnibox-popup.top-chrome, ~40 modules) in a renderer of its own.
 * On two cores that takes ~250-300 ms of CPU from the page under test (a Chromium trace: a "WebUI Top Renderer"
 * busy for the whole first render). A user's browser pays it once per window, not per page, so the scenarios turn
 * it off. CHROMIUM_ARGS adds flags (space-separated) for experiments.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup',
  ...(process.env.CHROMIUM_ARGS ? process.env.CHROMIUM_ARGS.split(' ').filter(Boolean) : []),
];

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A new tab at `path` that turns console errors and uncaught exceptions into a failed scenario; before(page) runs
 * before it loads; with `via`, the tab first shows `via` (same origin: its renderer process is then up already).
 */
export async function open(browser, path, { width = 1600, height = 1100, before = null, via = null } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await before?.(page);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') {
      page.errors.push(`console: ${m.text()}`);
    }
  });
  page.setDefaultTimeout(15000);
  if (via) {
    await page.goto(BASE + via, { waitUntil: 'load' });
  }
  await page.goto(BASE + path);
  return page;
}

export function noErrors(...pages) {
  const errors = pages.flatMap((p) => p.errors);
  if (errors.length) {
    throw new Error(`page errors:\n${errors.join('\n')}`);
  }
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: false });
  return path;
}

export function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
  console.log(`ok - ${message}`);
}

export function equal(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) {
    throw new Error(`check failed: ${message}\n  expected ${e}\n  actual   ${a}`);
  }
  console.log(`ok - ${message}`);
}

/** Creates a session through the start page's form; returns its id (the page is then on the session). */
export async function createInUi(page, { scenario = '', clientIsn = '1000', serverIsn = '5000', profile = 'rfc9293', name = 'e2e' } = {}) {
  await page.getByTestId('f-name').fill(name);
  await page.getByTestId('f-profile').selectOption(profile);
  if (scenario) {
    await page.getByTestId('f-scenario').selectOption(scenario);
  }
  await page.getByTestId('f-clientIsn').fill(clientIsn);
  await page.getByTestId('f-serverIsn').fill(serverIsn);
  await page.getByTestId('create').click();
  await page.waitForURL(/\?session=/);
  await waitLive(page);
  return new URL(page.url()).searchParams.get('session');
}

export async function waitLive(page) {
  await page.waitForSelector('[data-testid=link-status][data-status=live]');
}

/** Event count the page has rendered. */
export async function eventCount(page) {
  return Number(await page.evaluate(() => document.body.dataset.events ?? '0'));
}

export async function waitEvents(page, atLeast) {
  await page.waitForFunction((n) => Number(document.body.dataset.events ?? '0') >= n, atLeast);
  return eventCount(page);
}

/** Clicks a control and waits until the push it causes has been rendered (the event count grows). */
export async function act(page, testid, watchers = []) {
  const before = await eventCount(page);
  await page.getByTestId(testid).click();
  const after = await waitEvents(page, before + 1);
  for (const w of watchers) {
    await waitEvents(w, after);
  }
  return after;
}

export async function state(page, who) {
  return (await page.getByTestId(`state-${who}`).textContent())?.trim();
}

/** Labels of the ladder's arrows on screen, in order, with their fate classes. */
export async function arrows(page) {
  return page.$$eval('svg.ladder g.arrow', (gs) => gs.map((g) => ({
    text: g.querySelector('text.label')?.textContent ?? '',
    classes: g.getAttribute('class').split(' ').filter((c) => c !== 'arrow'),
    cross: !!g.querySelector('.cross'),
  })));
}

/** A REST call from node (not the page): POST with a JSON body, or GET when body is undefined; the parsed answer. */
export async function api(path, body, token) {
  const r = await fetch(BASE + path, body === undefined ? {} : {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!r.ok) {
    throw new Error(`${path}: ${r.status} ${await r.text()}`);
  }
  return r.json();
}

/** Runs a scenario: prints ok lines, exits 0 on success and 1 with the error otherwise. */
export async function scenario(name, body) {
  const browser = await launch();
  try {
    await body(browser);
    console.log(`PASS ${name}`);
  } catch (e) {
    console.error(`FAIL ${name}: ${e.stack ?? e}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
