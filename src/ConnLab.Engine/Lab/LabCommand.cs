using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Lab;

/// <summary>The two endpoints of a session's pair.</summary>
public enum EndpointRole
{
    /// <summary>The client (by default 10.0.0.1:40000).</summary>
    Client,
    /// <summary>The server (by default 10.0.0.2:80).</summary>
    Server,
}

/// <summary>What a user call on an endpoint asks for (RFC 9293 §3.10.1–3.10.5, plus socket-level accept/read/shutdown).</summary>
public enum EndpointAction
{
    /// <summary>Passive OPEN: listen on the endpoint's port.</summary>
    Listen,
    /// <summary>Active OPEN: connect to the other endpoint.</summary>
    Connect,
    /// <summary>SEND: queue data for transmission.</summary>
    Send,
    /// <summary>CLOSE: no more data will be sent; a FIN follows the queued data. On the linux profile this is close(), which orphans the socket.</summary>
    Close,
    /// <summary>shutdown(SHUT_WR): send a FIN but keep receiving (a half-close that never orphans the socket).</summary>
    Shutdown,
    /// <summary>ABORT: reset the connection at once.</summary>
    Abort,
    /// <summary>accept(): take the oldest established connection from the listener's accept queue.</summary>
    Accept,
    /// <summary>RECEIVE: the application reads data from the receive buffer (when auto-read is off).</summary>
    Read,
}

/// <summary>When <see cref="RunCommand"/> stops.</summary>
public enum RunUntil
{
    /// <summary>No segment in flight and no retransmission, delayed-ACK or persist timer pending (TIME_WAIT and FIN_WAIT_2 timers do not count).</summary>
    Idle,
    /// <summary>The named endpoint reaches the named state.</summary>
    State,
    /// <summary>Only the step budget stops it.</summary>
    Steps,
}

/// <summary>A command in a session's log. Replaying the log on the same configuration reproduces the trace exactly.</summary>
public abstract record LabCommand;

/// <summary>A user call on one endpoint.</summary>
/// <param name="Endpoint">The endpoint acting.</param>
/// <param name="Action">The call.</param>
/// <param name="Data">For <see cref="EndpointAction.Send"/>: the octets to send.</param>
/// <param name="MaxBytes">For <see cref="EndpointAction.Read"/>: the most octets to read (0 = all).</param>
public sealed record EndpointCommand(EndpointRole Endpoint, EndpointAction Action, ReadOnlyMemory<byte> Data = default, int MaxBytes = 0) : LabCommand;

/// <summary>Process the next <paramref name="Count"/> scheduled things (segment arrivals or timer expiries).</summary>
public sealed record StepCommand(int Count = 1) : LabCommand;

/// <summary>Step until a condition holds or <paramref name="MaxSteps"/> steps were taken.</summary>
public sealed record RunCommand(RunUntil Until = RunUntil.Idle, EndpointRole? Endpoint = null, TcpState? State = null, int MaxSteps = 1000) : LabCommand;

/// <summary>Move the virtual clock forward, processing everything that falls due on the way.</summary>
public sealed record AdvanceCommand(double Ms) : LabCommand;

/// <summary>Remove an in-flight segment before it arrives (a lost segment).</summary>
public sealed record DropSegmentCommand(long SegmentId) : LabCommand;

/// <summary>Put a second copy of an in-flight segment on the wire, arriving just after the first.</summary>
public sealed record DuplicateSegmentCommand(long SegmentId) : LabCommand;

/// <summary>Hold an in-flight segment back by <paramref name="Ms"/> milliseconds (so later segments overtake it).</summary>
public sealed record DelaySegmentCommand(long SegmentId, double Ms) : LabCommand;

/// <summary>Put a hand-made segment in flight, as hping3 or scapy would.</summary>
public sealed record InjectSegmentCommand(CraftedSegment Segment) : LabCommand;

/// <summary>Send <paramref name="Count"/> SYNs at the server's port; from random unused addresses when <paramref name="Spoofed"/>, else from the client's address and random ports.</summary>
public sealed record SynFloodCommand(int Count, bool Spoofed = true) : LabCommand
{
    /// <summary>The flood size when a request leaves it out (REST and gRPC alike).</summary>
    public const int DefaultCount = 100;
}

/// <summary>A hand-made segment. Unset addresses default to the sending endpoint's and its peer's.</summary>
public sealed record CraftedSegment
{
    /// <summary>The endpoint it pretends to come from (its address and port are the defaults for <see cref="Source"/>).</summary>
    public EndpointRole From { get; init; } = EndpointRole.Client;

    /// <summary>Explicit source <c>address:port</c> (a spoofed host), overriding <see cref="From"/>'s.</summary>
    public string? Source { get; init; }

    /// <summary>Explicit destination <c>address:port</c>; defaults to the other endpoint's.</summary>
    public string? Destination { get; init; }

    /// <summary>Control bits.</summary>
    public TcpFlags Flags { get; init; }

    /// <summary>Sequence number.</summary>
    public long Seq { get; init; }

    /// <summary>Acknowledgment number.</summary>
    public long Ack { get; init; }

    /// <summary>Window field (0–65535).</summary>
    public int Window { get; init; }

    /// <summary>Urgent pointer (0–65535).</summary>
    public int UrgentPointer { get; init; }

    /// <summary>MSS option (0 = none).</summary>
    public int Mss { get; init; }

    /// <summary>Payload.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }
}

/// <summary>One entry of the command log.</summary>
/// <param name="Step">The session's step count when the command ran.</param>
/// <param name="Command">The command.</param>
/// <param name="StepsTaken">For step, run and advance: how many steps it took (replay takes exactly these).</param>
public sealed record CommandRecord(long Step, LabCommand Command, long StepsTaken);
