// A workshop end to end: the instructor creates one on the start page and sees the join code; a student (another
// browser context) joins with the code and lands in their own session with the controls; the instructor's grid
// lists the student live; predict mode hides the next segment until the student guesses it; follow-me switches the
// student's page to the instructor's session (read-only) and back.
import { act, check, equal, noErrors, open, scenario, shot, waitLive } from './lib.mjs';

await scenario('workshop: join by code, live grid, predict, follow-me', async (browser) => {
  const instructor = await open(browser, '/');
  await instructor.getByTestId('w-name').fill('e2e class');
  await instructor.waitForSelector('[data-testid=w-scenario] option[value=teardown]', { state: 'attached' }); // scenarios loaded
  await instructor.getByTestId('w-scenario').selectOption('handshake');
  await instructor.getByTestId('workshop-create').click();
  await instructor.waitForURL(/\?workshop=/);
  await instructor.waitForFunction(() => /^[A-Z2-9]{3} [A-Z2-9]{3}$/.test(document.querySelector('[data-testid=join-code]')?.textContent ?? ''));
  const code = (await instructor.getByTestId('join-code').textContent()).replace(' ', '');
  check(/^[A-HJ-NP-Z2-9]{6}$/.test(code), `the join code ${code} is on the instructor's page`);
  await instructor.waitForSelector('[data-testid=workshop-link][data-status=live]');
  const templateId = new URL(await instructor.getByTestId('open-template').evaluate((a) => a.href)).searchParams.get('session');

  const student = await open(browser, '/');
  await student.getByTestId('j-code').fill(`${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`);
  await student.getByTestId('j-name').fill('Ada');
  await student.getByTestId('workshop-join').click();
  await student.waitForURL(/\?session=.*&join=/);
  await waitLive(student);
  const ownId = new URL(student.url()).searchParams.get('session');
  check(ownId !== templateId, 'the student got a session of their own');
  check((await student.getByTestId('mode').textContent()).startsWith('You own this session'), 'the student has the controls');
  await student.waitForFunction(() => document.querySelector('[data-testid=workshop-status]')?.textContent === 'your own session');

  await instructor.waitForSelector(`[data-testid=grid-row][data-session="${ownId}"]`);
  const row = await instructor.locator(`[data-testid=grid-row][data-session="${ownId}"]`).innerText();
  check(row.includes('Ada') && row.includes('SYN_SENT') && row.includes('in progress'), `the grid lists the student live: ${row.replace(/\s+/g, ' ')}`);

  // Predict mode: the SYN in flight is a placeholder until the student guesses.
  await student.getByTestId('predict-toggle').click();
  await student.waitForSelector('svg.ladder g.arrow.secret');
  equal(await student.locator('svg.ladder g.arrow.secret text.label').textContent(), '? seq=? ack=?', 'the next segment\'s flags, seq and ack are hidden');
  await student.getByTestId('guess-SYN').check();
  await student.getByTestId('guess-seq').fill('1');
  await student.getByTestId('guess-submit').click();
  await student.waitForSelector('[data-testid=grade-flags].right');
  check(await student.locator('[data-testid=grade-seq].wrong').count() === 1 || await student.locator('[data-testid=grade-seq].right').count() === 1,
    'seq is marked right or wrong');
  check(await student.locator('[data-testid=grade-ack].right').count() === 1, 'a blank ack on a SYN (no ACK bit) is right');
  check((await student.getByTestId('predict-score').textContent()).includes('of 1 segment'), 'the score counts the guess');
  equal(await student.locator('svg.ladder g.arrow.secret').count(), 0, 'after the guess the segment is revealed');
  await shot(student, 'workshop-student-predict');
  await act(student, 'step');
  await instructor.waitForFunction((id) => document.querySelector(`[data-testid=grid-row][data-session="${id}"]`)?.textContent?.includes('SYN_RECEIVED'), ownId);
  check(true, 'the student\'s step reaches the instructor\'s grid');

  // Follow-me: the student's page switches to the instructor's session, read-only, and back.
  await instructor.getByTestId('follow-toggle').click();
  await student.waitForSelector(`.session-page[data-session="${templateId}"]`);
  await waitLive(student);
  check((await student.getByTestId('workshop-status').textContent()).includes('following the instructor'), 'the student page follows the instructor');
  check((await student.getByTestId('mode').textContent()).startsWith('Following the instructor'), 'the followed session is read-only');
  equal(await student.getByTestId('step').count(), 0, 'no controls while following');
  await shot(instructor, 'workshop-instructor');
  await shot(student, 'workshop-student-following');
  await instructor.getByTestId('follow-toggle').click();
  await student.waitForSelector(`.session-page[data-session="${ownId}"]`);
  await waitLive(student);
  check(await student.getByTestId('step').count() === 1, 'follow-me off: back in their own session with the controls');

  // Close: the code is struck through, the student's page says read-only, and a step is refused.
  instructor.once('dialog', (d) => void d.accept());
  await instructor.getByTestId('close-workshop').click();
  await instructor.waitForSelector('[data-testid=join-code].closed');
  await student.waitForFunction(() => document.querySelector('[data-testid=workshop-status]')?.textContent?.startsWith('closed'));
  check(true, 'closing reaches the student\'s page');
  await student.waitForFunction(() => document.querySelector('[data-testid=mode]')?.textContent?.startsWith('The workshop has closed'));
  equal(await student.getByTestId('step').count(), 0, 'the closed workshop\'s sandbox has no controls any more');
  await waitLive(student);
  check(await student.locator('svg.ladder g.arrow').count() > 0, 'and can still be read');
  noErrors(instructor, student);
});
