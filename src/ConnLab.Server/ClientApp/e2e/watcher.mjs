// A second browser (another context: no token) opens the owner's share link read-only and sees every update live:
// after each of the owner's clicks its event count, ladder and cards match the owner's, with no reload.
import { act, arrows, check, createInUi, equal, eventCount, noErrors, open, scenario, shot, state, waitLive } from './lib.mjs';

await scenario('watcher sees every update live', async (browser) => {
  const owner = await open(browser, '/');
  await createInUi(owner, { name: 'watched e2e' });
  const link = await owner.getByTestId('share-link').inputValue();
  const watcher = await open(browser, new URL(link).pathname + new URL(link).search);
  await waitLive(watcher);
  check((await watcher.getByTestId('mode').textContent()).startsWith('Watching read-only'), 'the link opens read-only');
  equal(await watcher.getByTestId('step').count(), 0, 'a watcher has no controls');

  const steps = ['server-listen', 'client-connect', 'step', 'step', 'step', 'client-send', 'run', 'client-close', 'run'];
  for (const testid of steps) {
    const n = await act(owner, testid, [watcher]);
    equal(await eventCount(watcher), n, `after ${testid}: the watcher has all ${n} events`);
    equal([await state(watcher, 'client'), await state(watcher, 'server')], [await state(owner, 'client'), await state(owner, 'server')],
      `after ${testid}: the watcher's cards match`);
  }
  const seen = (await arrows(watcher)).map((a) => a.text);
  equal(seen, (await arrows(owner)).map((a) => a.text), 'the watcher\'s ladder matches the owner\'s');
  check(seen.some((t) => t.startsWith('PSH,ACK seq=1001 ack=5001 len=5')), 'the 5-octet send is on the watcher\'s ladder');
  await shot(watcher, 'watcher');
  noErrors(owner, watcher);
});
