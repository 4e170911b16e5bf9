import { test } from 'node:test';
import assert from 'node:assert/strict';
import { netstat } from '../src/netstat';
import type { Session, Socket } from '../src/model';

const sock = (name: string, host: string, address: string, port: number, state: Socket['state'], remote?: string): Socket =>
  ({ name, host, address, port, state, remote, receiveQueue: 0, sendQueue: 0 } as unknown as Socket);

test('one table per host, Linux state names, a listener with a wildcard peer, closed sockets hidden', () => {
  const client = sock('client', 'client', '10.0.0.1', 40000, 'SYN_SENT', '10.0.0.2:80');
  const server = sock('server', 'server', '10.0.0.2', 80, 'LISTEN');
  const half = sock('server<-10.0.0.1:40000', 'server', '10.0.0.2', 80, 'SYN_RECEIVED', '10.0.0.1:40000');
  const gone = sock('x', 'server', '10.0.0.2', 81, 'CLOSED');
  const text = netstat({ timeMs: 10, endpoints: { client, server }, sockets: [client, server, half, gone] } as unknown as Session);
  assert.match(text, /^client \(10\.0\.0\.1\)\$ netstat -tan {4}# at 10 ms/);
  assert.match(text, /10\.0\.0\.2:80 +0\.0\.0\.0:\* +LISTEN/);
  assert.match(text, /10\.0\.0\.1:40000 +SYN_RECV/);
  assert.doesNotMatch(text, /:81 /);
});
