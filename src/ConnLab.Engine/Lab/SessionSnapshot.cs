using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Lab;

/// <summary>The whole session at one moment (architecture §3 "Session snapshot").</summary>
public sealed record SessionSnapshot
{
    /// <summary>Profile name.</summary>
    public required string Profile { get; init; }
    /// <summary>The session's seed.</summary>
    public required ulong Seed { get; init; }
    /// <summary>Virtual time, µs.</summary>
    public required long TimeUs { get; init; }
    /// <summary>Steps taken so far.</summary>
    public required long Step { get; init; }
    /// <summary>Events in the trace so far (the next event's index).</summary>
    public required long EventCount { get; init; }
    /// <summary>The client endpoint.</summary>
    public required EndpointView Client { get; init; }
    /// <summary>The server endpoint.</summary>
    public required EndpointView Server { get; init; }
    /// <summary>Every socket on both hosts (listeners, half-open entries, TIME_WAIT leftovers), as netstat would list them.</summary>
    public required IReadOnlyList<EndpointView> Sockets { get; init; }
    /// <summary>
    /// Segments on the wire, earliest arrival first: at most <see cref="InFlightListed"/> of them, since a flood puts
    /// up to 100,000 in flight and a snapshot is taken after every command.
    /// </summary>
    public required IReadOnlyList<InFlightView> InFlight { get; init; }
    /// <summary>How many segments are on the wire in all (<see cref="InFlight"/> lists the earliest).</summary>
    public int InFlightCount { get; init; }
    /// <summary>Most in-flight segments a snapshot lists.</summary>
    public const int InFlightListed = 256;
    /// <summary>Running timers, earliest first.</summary>
    public required IReadOnlyList<TimerView> Timers { get; init; }
    /// <summary>The server's listener, if it is listening.</summary>
    public ListenerView? Listener { get; init; }
    /// <summary>Every connection seen on the wire, classified as network monitors do (Zeek conn_state).</summary>
    public required IReadOnlyList<ConnectionSummary> Connections { get; init; }
}

/// <summary>One socket's TCB (RFC 9293 §3.3.1 variables), or a placeholder in CLOSED.</summary>
public sealed record EndpointView
{
    /// <summary><c>client</c>, <c>server</c>, or a socket name such as <c>server&lt;-198.18.0.7:1025</c>.</summary>
    public required string Name { get; init; }
    /// <summary>The host the socket lives on: <c>client</c> or <c>server</c> (as netstat run on that machine lists it).</summary>
    public string Host { get; init; } = "";
    /// <summary>Local IPv4 address.</summary>
    public required string Address { get; init; }
    /// <summary>Local port.</summary>
    public required int Port { get; init; }
    /// <summary>Remote <c>address:port</c>, or null for a listener or a closed endpoint.</summary>
    public string? Remote { get; init; }
    /// <summary>State.</summary>
    public required TcpState State { get; init; }
    /// <summary>Initial send sequence number.</summary>
    public uint Iss { get; init; }
    /// <summary>Initial receive sequence number.</summary>
    public uint Irs { get; init; }
    /// <summary>Oldest unacknowledged sequence number.</summary>
    public uint SndUna { get; init; }
    /// <summary>Next sequence number to send.</summary>
    public uint SndNxt { get; init; }
    /// <summary>Send window (the peer's last advertised window).</summary>
    public uint SndWnd { get; init; }
    /// <summary>Next sequence number expected.</summary>
    public uint RcvNxt { get; init; }
    /// <summary>Receive window offered.</summary>
    public uint RcvWnd { get; init; }
    /// <summary>Octets queued by the user and not yet acknowledged (netstat's Send-Q).</summary>
    public int SendQueue { get; init; }
    /// <summary>Octets received and not yet read by the application (netstat's Recv-Q).</summary>
    public int ReceiveQueue { get; init; }
    /// <summary>Congestion window, octets.</summary>
    public int Cwnd { get; init; }
    /// <summary>Current retransmission timeout, ms.</summary>
    public double RtoMs { get; init; }
    /// <summary>Smoothed RTT, ms (0 before the first sample).</summary>
    public double SrttMs { get; init; }
    /// <summary>Send MSS in use.</summary>
    public int Mss { get; init; }
    /// <summary>Consecutive retransmissions of the current segment.</summary>
    public int Retries { get; init; }
    /// <summary>True once the user closed or aborted this socket (Linux: an orphan).</summary>
    public bool Closed { get; init; }
    /// <summary>Total octets the application has read.</summary>
    public long BytesReceived { get; init; }
    /// <summary>Total octets acknowledged by the peer.</summary>
    public long BytesAcked { get; init; }
}

/// <summary>A segment on the wire and when it arrives.</summary>
/// <param name="Segment">The segment.</param>
/// <param name="DeliverAtUs">Arrival time, µs.</param>
public sealed record InFlightView(Segment Segment, long DeliverAtUs);

/// <summary>A running timer.</summary>
/// <param name="Endpoint">The socket that runs it.</param>
/// <param name="Kind">Which timer.</param>
/// <param name="DueUs">When it fires, µs.</param>
public sealed record TimerView(string Endpoint, TimerKind Kind, long DueUs);

/// <summary>The server's listening socket and its two queues.</summary>
public sealed record ListenerView
{
    /// <summary>The listening endpoint's name.</summary>
    public required string Endpoint { get; init; }
    /// <summary>Listening port.</summary>
    public required int Port { get; init; }
    /// <summary>The backlog given to listen (after clamping).</summary>
    public required int Backlog { get; init; }
    /// <summary>Half-open (SYN_RECEIVED) entries.</summary>
    public required int SynQueue { get; init; }
    /// <summary>Most half-open entries before the queue counts as full.</summary>
    public required int SynQueueLimit { get; init; }
    /// <summary>Established connections not yet accepted.</summary>
    public required int AcceptQueue { get; init; }
    /// <summary>Most entries the accept queue holds.</summary>
    public required int AcceptQueueLimit { get; init; }
    /// <summary>Whether SYN cookies are on.</summary>
    public required bool SynCookies { get; init; }
    /// <summary>SYN cookies sent so far.</summary>
    public long CookiesSent { get; init; }
    /// <summary>SYNs dropped because the SYN queue was full.</summary>
    public long SynQueueDrops { get; init; }
    /// <summary>SYNs or ACKs dropped because the accept queue was full.</summary>
    public long AcceptQueueDrops { get; init; }
}

/// <summary>One connection as a network monitor sees it on the wire (Zeek's conn.log).</summary>
public sealed record ConnectionSummary
{
    /// <summary>The originator (the side that sent the first SYN), <c>address:port</c>.</summary>
    public required string Originator { get; init; }
    /// <summary>The responder, <c>address:port</c>.</summary>
    public required string Responder { get; init; }
    /// <summary>Zeek conn_state: S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH.</summary>
    public required string ConnState { get; init; }
    /// <summary>What the conn_state means, in words.</summary>
    public required string Meaning { get; init; }
    /// <summary>Zeek's history string (S h A D a d F f R r; upper case = originator).</summary>
    public required string History { get; init; }
}
