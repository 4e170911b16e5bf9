// Drop the SYN,ACK while it is in flight: the ladder shows it ending in a cross, then the retransmissions (the
// client's SYN after its RTO, the server's SYN,ACK after its own), marked, and the handshake completes.
import { act, arrows, check, createInUi, equal, noErrors, open, scenario, shot, state } from './lib.mjs';

await scenario('a dropped SYN,ACK is retransmitted', async (browser) => {
  const page = await open(browser, '/');
  await createInUi(page, { name: 'lost syn-ack e2e' });
  await act(page, 'server-listen');
  await act(page, 'client-connect');
  await act(page, 'step');
  const inFlight = await page.getByTestId('in-flight').innerText();
  check(/#2\s+server → client\s+SYN,ACK seq=5000 ack=1001/.test(inFlight), 'the SYN,ACK (#2) is listed in flight');
  await act(page, 'drop-2');
  let drawn = await arrows(page);
  equal(drawn[1], { text: 'SYN,ACK seq=5000 ack=1001 len=0', classes: ['s2c', 'lost'], cross: true }, 'the dropped SYN,ACK ends in a cross');
  await act(page, 'run');
  equal([await state(page, 'client'), await state(page, 'server')], ['ESTABLISHED', 'ESTABLISHED'], 'the handshake completes after all');
  drawn = await arrows(page);
  const rtx = drawn.filter((a) => a.classes.includes('retransmission')).map((a) => a.text);
  check(rtx.includes('rtx SYN,ACK seq=5000 ack=1001 len=0'), 'the SYN,ACK retransmission is drawn and marked');
  check(rtx.includes('rtx SYN seq=1000 len=0'), 'the client\'s SYN retransmission (its RTO fired first) is marked too');
  const log = await page.getByTestId('event-log').innerText();
  check(log.includes('RFC 6298 §5.4'), 'the log explains the retransmission with RFC 6298 §5.4');
  await shot(page, 'lost-synack');
  noErrors(page);
});
