// A session whose replay differed from its stored trace at restore (the test marks one: SESSION) is read-only; its
// page says so, with the server's reason, before anyone tries a control.
import { check, noErrors, open, scenario, shot } from './lib.mjs';

const id = process.env.SESSION;
const reason = process.env.PROBLEM;

await scenario('a session that did not restore faithfully says why it is read-only', async (browser) => {
  check(id && reason, 'SESSION and PROBLEM are set');
  const page = await open(browser, `/?session=${encodeURIComponent(id)}`);
  const banner = page.getByTestId('session-problem');
  await banner.waitFor({ state: 'visible' });
  const text = await banner.innerText();
  check(text.includes(reason), `the banner gives the server's reason (${text})`);
  check(text.includes('read-only') && text.includes('fork') && text.includes('rewind'), 'and what to do about it');
  check((await banner.getAttribute('role')) === 'alert', 'screen readers announce it');
  await shot(page, 'damaged-session');
  noErrors(page);
});
