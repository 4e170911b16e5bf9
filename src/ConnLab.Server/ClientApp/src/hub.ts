// The SignalR client is half of the dashboard's script (55 of 114 kB minified). It is loaded when a page first
// connects, which a session page does after its first draw, so the first render does not parse it.
import type { HubConnection, HubConnectionState } from '@microsoft/signalr';

export type { HubConnection };

let signalr: Promise<typeof import('@microsoft/signalr')> | null = null;

/** A connection to /hubs/lab: negotiated (so a proxy without WebSockets still works) and reconnecting on its own. */
export async function newHub(): Promise<HubConnection> {
  const { HubConnectionBuilder, LogLevel } = await (signalr ??= import('@microsoft/signalr'));
  return new HubConnectionBuilder()
    .withUrl('/hubs/lab')
    .withAutomaticReconnect([0, 500, 1000, 2000, 5000, 5000, 10000])
    .configureLogging(LogLevel.Warning)
    .build();
}

/** True once the connection has stopped (or never started): start() may be called. */
export const isDisconnected = (connection: HubConnection): boolean => connection.state === ('Disconnected' as HubConnectionState);
