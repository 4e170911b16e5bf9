// The syn-flood preset (backlog 8, no SYN cookies): stepping delivers the spoofed SYNs and the SYN-queue gauge fills
// to the backlog; netstat lists the half-open SYN_RECV sockets.
import { act, check, createInUi, equal, noErrors, open, scenario, shot } from './lib.mjs';

await scenario('a SYN flood fills the SYN queue', async (browser) => {
  const page = await open(browser, '/');
  await createInUi(page, { name: 'flood e2e', scenario: 'syn-flood' });
  const gauge = page.getByTestId('syn-queue');
  equal(await gauge.getAttribute('aria-valuemax'), '8', 'the SYN-queue gauge is scaled to the backlog (8)');
  equal(await gauge.getAttribute('aria-valuenow'), '0', 'and starts empty');
  check((await page.$$('svg.ladder g.arrow.spoofed')).length > 0, 'the spoofed SYNs are drawn, marked');
  for (let i = 0; i < 10; i++) {
    await act(page, 'step10');
    if ((await gauge.getAttribute('aria-valuenow')) === '8') {
      break;
    }
  }
  equal(await gauge.getAttribute('aria-valuenow'), '8', 'the SYN queue is full: 8 / 8');
  check(await gauge.evaluate((g) => g.classList.contains('full')), 'the full gauge is marked');
  const netstat = await page.getByTestId('netstat').innerText();
  check((netstat.match(/SYN_RECV/g) ?? []).length >= 8, 'netstat lists the half-open connections as SYN_RECV');
  check(/dropped: [1-9]\d* at the SYN queue/.test(await page.getByTestId('listener-facts').innerText()), 'later SYNs are counted as dropped');
  await shot(page, 'syn-flood');
  noErrors(page);
});
