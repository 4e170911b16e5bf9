namespace ConnLab.Engine.Lab;

/// <summary>What happened. The JSON name is the kebab-case form (<c>segment-sent</c>).</summary>
public enum EventKind : byte
{
    /// <summary>A user call (listen, connect, send, close, abort, …) or a lab intervention was made.</summary>
    UserCall,
    /// <summary>A segment was put on the wire.</summary>
    SegmentSent,
    /// <summary>A segment arrived at its destination host.</summary>
    SegmentDelivered,
    /// <summary>A segment was lost on the link, dropped on purpose, or reached no host.</summary>
    SegmentDropped,
    /// <summary>The link made a second copy of a segment.</summary>
    SegmentDuplicated,
    /// <summary>A delivered segment was discarded by the receiving TCP (the explanation says which rule).</summary>
    SegmentDiscarded,
    /// <summary>An endpoint changed state.</summary>
    StateChanged,
    /// <summary>A timer was started (or restarted with a new meaning: back-off, TIME_WAIT restart).</summary>
    TimerArmed,
    /// <summary>A timer expired.</summary>
    TimerFired,
    /// <summary>A running timer was stopped.</summary>
    TimerCancelled,
    /// <summary>The user's data was accepted into the send buffer.</summary>
    DataQueued,
    /// <summary>In-order data was handed to the receiving application.</summary>
    DataDelivered,
    /// <summary>The handshake completed on this endpoint.</summary>
    ConnectionEstablished,
    /// <summary>The application accepted an established connection from the listener's accept queue.</summary>
    ConnectionAccepted,
    /// <summary>The peer refused the connection (RST in SYN_SENT).</summary>
    ConnectionRefused,
    /// <summary>The connection was reset by the peer (or aborted locally).</summary>
    ConnectionReset,
    /// <summary>Retransmissions gave up.</summary>
    ConnectionTimedOut,
    /// <summary>The TCB was deleted (the connection is CLOSED for good).</summary>
    ConnectionClosed,
    /// <summary>An RFC 5961 challenge ACK was sent (or suppressed by the rate limit).</summary>
    ChallengeAck,
    /// <summary>A listener dropped a SYN because its SYN (half-open) queue was full.</summary>
    SynQueueOverflow,
    /// <summary>A listener dropped a SYN or a final ACK because its accept queue was full.</summary>
    AcceptQueueOverflow,
    /// <summary>A listener answered a SYN with a SYN cookie instead of keeping state.</summary>
    SynCookieSent,
    /// <summary>A returning ACK carried a valid SYN cookie; the connection was rebuilt from it.</summary>
    SynCookieAccepted,
    /// <summary>A half-open entry was removed from the SYN queue (timed out or pruned).</summary>
    HalfOpenDropped,
}

/// <summary>The timers a TCP endpoint runs (RFC 9293 §3.8, §3.10.8).</summary>
public enum TimerKind : byte
{
    /// <summary>Retransmission timer (SYN, SYN-ACK, data, FIN).</summary>
    Retransmission,
    /// <summary>Persist timer: probes a zero window.</summary>
    Persist,
    /// <summary>Delayed-ACK timer.</summary>
    DelayedAck,
    /// <summary>2·MSL timer in TIME_WAIT.</summary>
    TimeWait,
    /// <summary>Orphaned FIN_WAIT_2 timeout (Linux tcp_fin_timeout).</summary>
    FinWait2,
}

/// <summary>The contract's spellings of event kinds and timer kinds.</summary>
public static class EventNames
{
    private static readonly string[] Kinds =
    [
        "user-call", "segment-sent", "segment-delivered", "segment-dropped", "segment-duplicated", "segment-discarded",
        "state-changed", "timer-armed", "timer-fired", "timer-cancelled", "data-queued", "data-delivered",
        "connection-established", "connection-accepted", "connection-refused", "connection-reset", "connection-timed-out",
        "connection-closed", "challenge-ack", "syn-queue-overflow", "accept-queue-overflow", "syn-cookie-sent",
        "syn-cookie-accepted", "half-open-dropped",
    ];

    private static readonly string[] Timers = ["retransmission", "persist", "delayed-ack", "time-wait", "fin-wait-2"];

    /// <summary>The kebab-case name of an event kind, e.g. <c>segment-sent</c>.</summary>
    public static string ToName(this EventKind kind) => Kinds[(int)kind];

    /// <summary>The kebab-case name of a timer, e.g. <c>time-wait</c>.</summary>
    public static string ToName(this TimerKind kind) => Timers[(int)kind];

    /// <summary>Every event kind name, in enum order.</summary>
    public static IReadOnlyList<string> AllKinds => Kinds;

    /// <summary>Every timer name, in enum order.</summary>
    public static IReadOnlyList<string> AllTimers => Timers;

    /// <summary>Parses an event kind name.</summary>
    public static bool TryParseKind(string? name, out EventKind kind)
    {
        var i = Array.IndexOf(Kinds, name);
        kind = (EventKind)Math.Max(i, 0);
        return i >= 0;
    }

    /// <summary>Parses a timer name.</summary>
    public static bool TryParseTimer(string? name, out TimerKind kind)
    {
        var i = Array.IndexOf(Timers, name);
        kind = (TimerKind)Math.Max(i, 0);
        return i >= 0;
    }
}
