// A session link draws from REST (GET /api/sessions/{id}/trace) before its SignalR connection is up, then the hub's
// Watch resumes from the drawn index: changes made while the hub was still connecting, pushes after it, and changes
// made while the connection was down (it reconnects) all arrive once each, with no gap and no duplicate.
import { api, arrows, check, equal, noErrors, open, scenario, waitEvents, waitLive } from './lib.mjs';

/** A gate for the hub's negotiate request: hold() stops new connections until release(). */
function hubGate() {
  let open = null;
  const gate = {
    sockets: [],
    /** fromIndex of every Watch the page invoked, in order. */
    watches: [],
    hold() {
      let release;
      open = new Promise((r) => (release = r));
      gate.release = () => release();
    },
    release() {},
    async install(page) {
      await page.route('**/hubs/lab/negotiate**', async (route) => {
        await open;
        await route.continue();
      });
      await page.routeWebSocket(/\/hubs\/lab/, (ws) => {
        const server = ws.connectToServer();
        ws.onMessage((m) => {
          for (const frame of String(m).split('\x1e')) {
            const msg = frame ? JSON.parse(frame) : null;
            if (msg?.type === 1 && msg.target === 'Watch') {
              gate.watches.push(msg.arguments[1]);
            }
          }
          server.send(m);
        });
        gate.sockets.push(ws);
      });
    },
  };
  return gate;
}

async function traceIndexes(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-events').click()]);
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(await download.path(), 'utf8')).map((e) => e.index);
}

const status = (page) => page.getByTestId('link-status').getAttribute('data-status');
const count = async (s) => (await api(`/api/sessions/${s.id}`)).eventCount;

await scenario('first render from REST, then SignalR without gap or duplicate', async (browser) => {
  const created = await api('/api/sessions', { name: 'first render e2e', client: { isn: 1000 }, server: { isn: 5000 } });
  const s = { id: created.session.id, t: created.token };
  await api(`/api/sessions/${s.id}/endpoints/server/listen`, {}, s.t);
  await api(`/api/sessions/${s.id}/endpoints/client/connect`, {}, s.t);
  await api(`/api/sessions/${s.id}/run`, {}, s.t);
  const drawn = await count(s);

  const gate = hubGate();
  gate.hold();
  const page = await open(browser, `/?session=${s.id}`, { before: (p) => gate.install(p) });
  equal(await waitEvents(page, drawn), drawn, `all ${drawn} events are drawn while the hub is still held`);
  equal(await status(page), 'connecting', 'drawn before SignalR is live');
  equal((await arrows(page)).map((a) => a.text), [
    'SYN seq=1000 len=0', 'SYN,ACK seq=5000 ack=1001 len=0', 'ACK seq=1001 ack=5001 len=0',
  ], 'the handshake is on the ladder from the REST read');

  // Changes while the hub connects: the page does not poll REST, Watch brings them.
  await api(`/api/sessions/${s.id}/endpoints/client/send`, { data: 'hello' }, s.t);
  await api(`/api/sessions/${s.id}/run`, {}, s.t);
  const meanwhile = await count(s);
  check(meanwhile > drawn, `${meanwhile - drawn} events happen while the hub is held`);
  equal(Number(await page.evaluate(() => document.body.dataset.events)), drawn, 'live updates wait for SignalR');
  gate.release();
  await waitLive(page);
  equal(await waitEvents(page, meanwhile), meanwhile, 'every event since the REST read is there');
  equal(gate.watches, [drawn], `the hub's Watch asked from the drawn index ${drawn}, not from 0`);

  // Pushed after Watch.
  await api(`/api/sessions/${s.id}/endpoints/server/send`, { data: 'world' }, s.t);
  await api(`/api/sessions/${s.id}/run`, {}, s.t);
  const pushed = await count(s);
  equal(await waitEvents(page, pushed), pushed, 'SessionEvents pushes follow');

  // The connection drops; changes happen while it is down; it reconnects and resumes.
  gate.hold();
  await gate.sockets.at(-1).close({ code: 4000, reason: 'e2e: the Wi-Fi drops' });
  await page.waitForSelector('[data-testid=link-status]:not([data-status=live])');
  await api(`/api/sessions/${s.id}/endpoints/client/close`, {}, s.t);
  await api(`/api/sessions/${s.id}/run`, {}, s.t);
  const after = await count(s);
  gate.release();
  await waitLive(page);
  equal(await waitEvents(page, after), after, 'after the reconnect every event is there');
  equal(gate.watches, [drawn, pushed], `after the reconnect Watch resumed from ${pushed}`);
  await page.waitForTimeout(300); // room for a duplicate push to show up, if there were one
  equal(await traceIndexes(page), Array.from({ length: after }, (_, i) => i), `the page's trace is 0…${after - 1}, each once`);

  // A page opened now, all at once, draws the same ladder.
  const fresh = await open(browser, `/?session=${s.id}`);
  await waitEvents(fresh, after);
  equal((await arrows(page)).map((a) => a.text), (await arrows(fresh)).map((a) => a.text), 'the same ladder as a fresh page');
  page.errors = page.errors.filter((e) => !e.includes('e2e: the Wi-Fi drops')); // SignalR logs the drop we caused
  noErrors(page, fresh);
});
