// Throwaway: first render in a tab that first showed the session list and then sat idle for 3 s (the window's own UI
// loaded meanwhile), with whatever CHROMIUM_ARGS say.
import { BASE, launch } from './lib.mjs';
const id = process.argv[2]; const n = +process.argv[3] || 7;
const browser = await launch();
const runs = [];
for (let i = 0; i < n; i++) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1100 } });
  const page = await context.newPage();
  let done; const p = new Promise((x) => (done = x));
  await page.exposeBinding('connlabPerfRendered', () => done());
  await page.addInitScript(() => new PerformanceObserver((l) => { if (l.getEntries().some((e) => e.name === 'connlab:first-render')) window.connlabPerfRendered(); }).observe({ type: 'mark', buffered: true }));
  await page.goto(BASE + '/', { waitUntil: 'load' });
  await page.waitForTimeout(3000);
  await page.goto(BASE + `/?session=${id}`);
  await p;
  runs.push(await page.evaluate(() => window.connlab.firstRenderMs));
  await context.close();
}
await browser.close();
const s = [...runs].sort((a, b) => a - b);
console.log(`settled tab: median ${s[s.length >> 1].toFixed(0)} ms (runs ${runs.map((r) => r.toFixed(0)).join(', ')})`);
