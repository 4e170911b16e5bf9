// `netstat -tan` per host, from the snapshot's sockets (as the server's /netstat export prints it), so the
// listener panel follows the pushed snapshots without polling.
import type { Session, Socket, TcpState } from './model';

const linuxNames: Record<TcpState, string> = {
  CLOSED: 'CLOSE',
  LISTEN: 'LISTEN',
  SYN_SENT: 'SYN_SENT',
  SYN_RECEIVED: 'SYN_RECV',
  ESTABLISHED: 'ESTABLISHED',
  FIN_WAIT_1: 'FIN_WAIT1',
  FIN_WAIT_2: 'FIN_WAIT2',
  CLOSE_WAIT: 'CLOSE_WAIT',
  CLOSING: 'CLOSING',
  LAST_ACK: 'LAST_ACK',
  TIME_WAIT: 'TIME_WAIT',
};

export function linuxState(state: TcpState): string {
  return linuxNames[state];
}

function line(s: Socket): string {
  const local = `${s.address}:${s.port}`;
  const remote = s.remote ?? '0.0.0.0:*';
  return `tcp   ${String(s.receiveQueue).padStart(6)} ${String(s.sendQueue).padStart(6)} ${local.padEnd(23)} ${remote.padEnd(23)} ${linuxState(s.state)}`;
}

/** One table per host; closed sockets are not listed (netstat does not see them). */
export function netstat(session: Session, maxLines = 200): string {
  const out: string[] = [];
  for (const host of ['client', 'server'] as const) {
    const ep = session.endpoints[host];
    const sockets = session.sockets.filter((s) => (s.host || s.name) === host && s.state !== 'CLOSED');
    out.push(`${host} (${ep.address})$ netstat -tan    # at ${formatMs(session.timeMs)}`);
    out.push('Proto Recv-Q Send-Q Local Address           Foreign Address         State');
    for (const s of sockets.slice(0, maxLines)) {
      out.push(line(s));
    }
    if (sockets.length > maxLines) {
      out.push(`… ${sockets.length - maxLines} more`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function formatMs(ms: number): string {
  return Number.isInteger(ms) ? `${ms} ms` : `${ms.toFixed(3).replace(/0+$/, '')} ms`;
}
