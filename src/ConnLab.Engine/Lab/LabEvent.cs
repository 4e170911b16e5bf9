using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Lab;

/// <summary>
/// One entry of a session's trace: the single event model that REST, gRPC, SignalR and the database all carry
/// (architecture §3). Immutable.
/// </summary>
/// <remarks>
/// The explanation is rendered from <see cref="Rule"/> and the event's own fields when asked for, so recording an
/// event costs one small object and no string formatting; the text is the same every time.
/// </remarks>
public sealed record LabEvent
{
    /// <summary>Position in the session's trace: 0-based and gap-free.</summary>
    public required long Index { get; init; }

    /// <summary>The step that produced it; commands produce events at the current step.</summary>
    public required long Step { get; init; }

    /// <summary>Virtual time in microseconds.</summary>
    public required long TimeUs { get; init; }

    /// <summary>What happened.</summary>
    public required EventKind Kind { get; init; }

    /// <summary>
    /// Who it happened to: <c>client</c>, <c>server</c>, another socket's name (a listener's half-open child,
    /// <c>server&lt;-198.18.0.7:1025</c>), <c>attacker</c> for injected segments, or <c>link</c>.
    /// </summary>
    public required string Endpoint { get; init; }

    /// <summary>The segment concerned, if any.</summary>
    public Segment? Segment { get; init; }

    /// <summary>For <see cref="EventKind.StateChanged"/>: the state left.</summary>
    public TcpState? From { get; init; }

    /// <summary>For <see cref="EventKind.StateChanged"/>: the state entered.</summary>
    public TcpState? To { get; init; }

    /// <summary>For timer events: which timer.</summary>
    public TimerKind? Timer { get; init; }

    /// <summary>For <see cref="EventKind.TimerArmed"/> and segment-sent: when the timer fires or the segment arrives (µs), else 0.</summary>
    public long DueUs { get; init; }

    /// <summary>For data events: the octets queued or delivered.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The rule that decided this event: the key to its explanation and RFC reference.</summary>
    public required Rule Rule { get; init; }

    /// <summary>A number the explanation quotes: a retry count, a byte count, a queue length.</summary>
    public long Value { get; init; }

    /// <summary>Virtual time in milliseconds.</summary>
    public double TimeMs => TimeUs / 1000.0;

    /// <summary>One line for students: what happened and why, with the RFC (or Linux) reference that decided it.</summary>
    public string Explanation => Explanations.Render(this);

    /// <summary>The RFC section (or Linux source) behind <see cref="Rule"/>, e.g. <c>RFC 9293 §3.10.7.2</c>.</summary>
    public string Reference => Explanations.ReferenceOf(Rule);
}
