// The receiving application's lessons by clicking: a server that does not accept at once (the connection waits in the
// accept queue), that does not read at once (its window closes as data waits, and opens again when it reads), and a
// half-close (shutdown: the client's FIN, while data still flows to it).
import { act, arrows, check, createInUi, equal, noErrors, open, scenario, shot, state } from './lib.mjs';

await scenario('accept queue, window and half-close', async (browser) => {
  const page = await open(browser, '/');
  await page.getByTestId('f-autoAccept').uncheck();
  await page.getByTestId('f-autoRead').uncheck();
  await page.getByTestId('f-receiveBuffer').fill('1000');
  await createInUi(page, { name: 'receiver e2e' });

  await act(page, 'server-listen');
  await act(page, 'client-connect');
  await act(page, 'run');
  const queue = () => page.getByTestId('accept-queue').getAttribute('aria-valuenow');
  equal(await queue(), '1', 'the established connection waits in the accept queue gauge');
  await act(page, 'server-accept');
  equal(await queue(), '0', 'accept() takes it from the queue');
  equal(await state(page, 'server'), 'ESTABLISHED', 'accepted: the server card shows the connection');

  await page.getByTestId('send-data-client').fill('x'.repeat(600));
  await act(page, 'client-send');
  await act(page, 'run');
  const waiting = await page.getByTestId('card-server').innerText();
  check(/RCV\.WND\s+400/.test(waiting), '600 octets wait unread: the window is 400 of 1000');
  await act(page, 'server-read');
  equal((await arrows(page)).at(-1).text, 'ACK seq=5001 ack=1601 len=0', 'reading them opens the window: an update goes out at once');
  check(/RCV\.WND\s+1000/.test(await page.getByTestId('card-server').innerText()), 'the window is back to 1000');

  await act(page, 'client-shutdown');
  await act(page, 'run');
  equal([await state(page, 'client'), await state(page, 'server')], ['FIN_WAIT_2', 'CLOSE_WAIT'], 'half-closed: FIN_WAIT_2 and CLOSE_WAIT');
  await page.getByTestId('send-data-server').fill('still talking');
  await act(page, 'server-send');
  await act(page, 'run');
  equal((await arrows(page)).slice(-2).map((a) => `${a.classes[0]} ${a.text}`),
    ['s2c PSH,ACK seq=5001 ack=1602 len=13', 'c2s ACK seq=1602 ack=5014 len=0'], 'data still flows to the half-closed client, which acknowledges it');
  await shot(page, 'receiver');
  noErrors(page);
});
