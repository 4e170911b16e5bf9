// The server's JSON views (architecture §3; src/ConnLab.Server/Api/Views.cs), as the dashboard reads them.

export type Flag = 'URG' | 'ACK' | 'PSH' | 'RST' | 'SYN' | 'FIN';

export type TcpState =
  | 'CLOSED' | 'LISTEN' | 'SYN_SENT' | 'SYN_RECEIVED' | 'ESTABLISHED' | 'FIN_WAIT_1' | 'FIN_WAIT_2'
  | 'CLOSE_WAIT' | 'CLOSING' | 'LAST_ACK' | 'TIME_WAIT';

export interface Segment {
  id: number;
  src: string;
  dst: string;
  seq: number;
  ack: number;
  flags: Flag[];
  window: number;
  len: number;
  payloadBase64?: string | null;
  mss?: number | null;
  /** original, retransmission, duplicate, injected or window-probe. */
  origin: string;
}

export interface LabEvent {
  index: number;
  step: number;
  timeMs: number;
  kind: string;
  endpoint: string;
  segment?: Segment | null;
  from?: TcpState | null;
  to?: TcpState | null;
  timer?: string | null;
  dueMs?: number | null;
  rule: string;
  explanation: string;
  reference: string;
}

export interface Socket {
  name: string;
  host: string;
  address: string;
  port: number;
  remote?: string | null;
  state: TcpState;
  iss: number;
  irs: number;
  sndUna: number;
  sndNxt: number;
  sndWnd: number;
  rcvNxt: number;
  rcvWnd: number;
  sendQueue: number;
  receiveQueue: number;
  cwnd: number;
  rtoMs: number;
  srttMs: number;
  mss: number;
  retries: number;
}

export interface InFlight {
  segment: Segment;
  deliverAtMs: number;
}

export interface Timer {
  endpoint: string;
  kind: string;
  dueMs: number;
}

export interface Listener {
  endpoint: string;
  port: number;
  backlog: number;
  synQueue: number;
  synQueueLimit: number;
  acceptQueue: number;
  acceptQueueLimit: number;
  synCookies: boolean;
  cookiesSent: number;
  synQueueDrops: number;
  acceptQueueDrops: number;
}

export interface Connection {
  originator: string;
  responder: string;
  connState: string;
  meaning: string;
  history: string;
}

export interface Session {
  id: string;
  name: string;
  profile: string;
  seed: number;
  timeMs: number;
  step: number;
  eventCount: number;
  endpoints: { client: Socket; server: Socket };
  sockets: Socket[];
  inFlight: InFlight[];
  timers: Timer[];
  listener?: Listener | null;
  connections: Connection[];
  problem?: string | null;
  liveSpeed?: number | null;
}

export interface SessionEventsMessage {
  sessionId: string;
  events: LabEvent[];
  session?: Session | null;
}

export interface WatchAnswer {
  session: Session;
  events: LabEvent[];
  nextIndex: number;
}

export interface Scenario {
  name: string;
  title: string;
  description: string;
}

export interface SessionSummary {
  id: string;
  name: string;
  createdAt: string;
  inMemory: boolean;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
  state?: string;
  rfcError?: string;
}

export const STATES: readonly TcpState[] = [
  'CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2',
  'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT',
];
