using ConnLab.Engine.Lab;
using ConnLab.Engine.Net;

namespace ConnLab.Engine.Tcp;

/// <summary>
/// Everything a TCP endpoint may do to the world, and nothing more: read the virtual clock, put a segment on the
/// wire, arm a timer, and record what happened. The session implements it; the TCP code never does I/O.
/// </summary>
internal interface ITcpEffects
{
    /// <summary>The virtual clock, µs.</summary>
    long NowUs { get; }

    /// <summary>The session's TCP profile.</summary>
    TcpProfile Profile { get; }

    /// <summary>Builds a segment with the next id, records segment-sent and hands it to the link.</summary>
    Segment Transmit(string endpoint, in SegmentSpec spec, Rule rule);

    /// <summary>Schedules a timer expiry; <paramref name="tag"/> identifies the arming.</summary>
    void ScheduleTimer(Connection connection, long dueUs, int tag);

    /// <summary>Counts running short timers (retransmission, delayed ACK, persist) for the "idle" run condition.</summary>
    void ShortTimerCountChanged(int delta);

    /// <summary>Appends an event to the trace.</summary>
    void Record(EventKind kind, string endpoint, Rule rule, Segment? segment = null, TcpState? from = null,
        TcpState? to = null, TimerKind? timer = null, long dueUs = 0, long value = 0, ReadOnlyMemory<byte> data = default);

    /// <summary>An initial sequence number for a new connection (RFC 6528), unless the endpoint has a fixed one.</summary>
    SeqNum ChooseIss(IpPort local, IpPort remote);

    /// <summary>The keyed hash behind SYN cookies (Linux cookie_hash).</summary>
    uint CookieHash(IpPort local, IpPort remote, uint count, int which);
}

/// <summary>The fields of a segment a TCP endpoint decides; the session fills in the id.</summary>
internal readonly record struct SegmentSpec(
    IpPort Source,
    IpPort Destination,
    SeqNum Seq,
    SeqNum Ack,
    TcpFlags Flags,
    ushort Window,
    ReadOnlyMemory<byte> Payload = default,
    ushort Mss = 0,
    SegmentOrigin Origin = SegmentOrigin.Original,
    ushort UrgentPointer = 0);
