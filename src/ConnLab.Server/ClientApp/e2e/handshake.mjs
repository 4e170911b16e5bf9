// Create a session in the UI, then the 3-way handshake and the 4-way teardown by clicking; the ladder's arrow labels
// and both endpoint cards must show the textbook picture (rfc9293 profile, ISNs 1000 and 5000).
import { act, arrows, check, createInUi, equal, noErrors, open, scenario, shot, state } from './lib.mjs';

await scenario('handshake and teardown', async (browser) => {
  const page = await open(browser, '/');
  const id = await createInUi(page, { name: 'handshake e2e' });
  check(/^[a-z0-9]+$/.test(id), `session ${id} created from the form`);
  equal((await page.getByTestId('mode').textContent()).startsWith('You own'), true, 'the creator gets the controls');

  await act(page, 'server-listen');
  equal(await state(page, 'server'), 'LISTEN', 'server card: LISTEN');
  const listener = await page.getByTestId('card-server').innerText();
  check(/backlog\s+\d+/.test(listener) && /accept queue\s+0/.test(listener) && !listener.includes('send buffer'),
    `a listener's card names its backlog and accept queue, not buffers (${listener})`);
  await act(page, 'client-connect');
  equal(await state(page, 'client'), 'SYN_SENT', 'client card: SYN_SENT');
  equal((await arrows(page)).map((a) => [a.text, a.classes[1]]), [['SYN seq=1000 len=0', 'in-flight']], 'the SYN is drawn in flight');
  await act(page, 'step');
  equal(await state(page, 'server'), 'SYN_RECEIVED', 'server card: SYN_RECEIVED');
  await act(page, 'step');
  await act(page, 'step');
  equal([await state(page, 'client'), await state(page, 'server')], ['ESTABLISHED', 'ESTABLISHED'], 'both cards: ESTABLISHED');
  equal((await arrows(page)).map((a) => `${a.classes[0]} ${a.classes[1]} ${a.text}`), [
    'c2s delivered SYN seq=1000 len=0',
    's2c delivered SYN,ACK seq=5000 ack=1001 len=0',
    'c2s delivered ACK seq=1001 ack=5001 len=0',
  ], 'ladder: SYN, SYN,ACK, ACK with their numbers');
  check((await page.getByTestId('card-server').innerText()).includes('send buffer'), 'an established connection\'s card shows its buffers again');
  const card = await page.getByTestId('card-client').innerText();
  check(/ISS\s+1000/.test(card) && /IRS\s+5000/.test(card) && /SND\.NXT\s+1001/.test(card) && /RCV\.NXT\s+5001/.test(card),
    'client card: ISS 1000, IRS 5000, SND.NXT 1001, RCV.NXT 5001');
  const lit = await page.$$eval('svg.states g.node.lit-client.lit-server', (n) => n.map((x) => x.dataset.state));
  equal(lit, ['ESTABLISHED'], 'state diagram: both lit in ESTABLISHED');
  await shot(page, 'handshake');

  await act(page, 'client-close');
  equal(await state(page, 'client'), 'FIN_WAIT_1', 'client card: FIN_WAIT_1');
  await act(page, 'run');
  equal([await state(page, 'client'), await state(page, 'server')], ['FIN_WAIT_2', 'CLOSE_WAIT'], 'after the FIN: FIN_WAIT_2 and CLOSE_WAIT');
  await act(page, 'server-close');
  await act(page, 'run');
  // The server's connection is CLOSED; the server's card then shows its listener, which still listens.
  equal([await state(page, 'client'), await state(page, 'server')], ['TIME_WAIT', 'LISTEN'], 'after the last ACK: TIME_WAIT, and the server back to its listener');
  equal(await page.$$eval('svg.states line.last-server', (l) => l.map((x) => x.dataset.edge)), ['LAST_ACK>CLOSED'],
    'state diagram: the server\'s last transition LAST_ACK → CLOSED is highlighted');
  const teardown = (await arrows(page)).slice(3).map((a) => a.text);
  equal(teardown, [
    'FIN,ACK seq=1001 ack=5001 len=0',
    'ACK seq=5001 ack=1002 len=0',
    'FIN,ACK seq=5001 ack=1002 len=0',
    'ACK seq=1002 ack=5002 len=0',
  ], 'ladder: the 4-way teardown');
  const last = await page.$$eval('svg.states line.last-client', (l) => l.map((x) => x.dataset.edge));
  equal(last, ['FIN_WAIT_2>TIME_WAIT'], 'state diagram: the client\'s last transition is highlighted');
  const log = await page.getByTestId('event-log').innerText();
  check(log.includes('RFC 9293 §3.10.7'), 'event log shows explanations with RFC sections');
  await shot(page, 'teardown');
  noErrors(page);
});
