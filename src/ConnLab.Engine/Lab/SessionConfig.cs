namespace ConnLab.Engine.Lab;

/// <summary>
/// Everything that defines a session before its first command: with the command log, it reproduces the session's
/// trace byte for byte. Every field has a default, so <c>new SessionConfig()</c> is a working textbook session.
/// </summary>
public sealed record SessionConfig
{
    /// <summary>Profile name: <c>rfc9293</c> (the textbook, default) or <c>linux</c>.</summary>
    public string Profile { get; init; } = "rfc9293";

    /// <summary>Seed of every random choice in the session (derived ISNs, link impairments, flood sources).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The client endpoint.</summary>
    public EndpointConfig Client { get; init; } = EndpointConfig.DefaultClient;

    /// <summary>The server endpoint.</summary>
    public EndpointConfig Server { get; init; } = EndpointConfig.DefaultServer;

    /// <summary>The link between them.</summary>
    public LinkConfig Link { get; init; } = new();

    /// <summary>Per-session changes to the profile's values.</summary>
    public ProfileOverrides? Overrides { get; init; }

    /// <summary>Resource limits that keep one session from hurting the rest.</summary>
    public LabLimits Limits { get; init; } = LabLimits.Default;
}

/// <summary>One endpoint's address, port and socket options.</summary>
public sealed record EndpointConfig
{
    /// <summary>Default client: 10.0.0.1:40000.</summary>
    public static EndpointConfig DefaultClient { get; } = new() { Address = "10.0.0.1", Port = 40000 };

    /// <summary>Default server: 10.0.0.2:80.</summary>
    public static EndpointConfig DefaultServer { get; } = new() { Address = "10.0.0.2", Port = 80 };

    /// <summary>IPv4 address in dotted-quad form.</summary>
    public string Address { get; init; } = "10.0.0.1";

    /// <summary>TCP port, 1–65535.</summary>
    public int Port { get; init; } = 40000;

    /// <summary>Initial sequence number (0–4294967295); when null it is derived from the seed, the 4-tuple and the clock (RFC 6528).</summary>
    public long? Isn { get; init; }

    /// <summary>Listen backlog (0–65535; clamped to the profile's maximum, as Linux clamps to somaxconn).</summary>
    public int Backlog { get; init; } = 128;

    /// <summary>Answer SYNs with SYN cookies when the SYN queue overflows; null takes the profile's default.</summary>
    public bool? SynCookies { get; init; }

    /// <summary>The application accepts every established connection at once; false leaves them in the accept queue.</summary>
    public bool AutoAccept { get; init; } = true;

    /// <summary>The application reads received data at once; false lets the receive buffer fill (zero window).</summary>
    public bool AutoRead { get; init; } = true;

    /// <summary>Receive buffer in octets (1–65535); null takes the profile's.</summary>
    public int? ReceiveBuffer { get; init; }
}

/// <summary>The simulated link: delay and seeded impairments, applied to each segment independently.</summary>
public sealed record LinkConfig
{
    /// <summary>One-way delay in milliseconds (0–60000).</summary>
    public double DelayMs { get; init; } = 10;

    /// <summary>Extra delay drawn uniformly from [0, jitter) per segment, in milliseconds (0–60000).</summary>
    public double JitterMs { get; init; }

    /// <summary>Probability that a segment is lost (0–1).</summary>
    public double LossRate { get; init; }

    /// <summary>Probability that a segment arrives twice (0–1).</summary>
    public double DuplicateRate { get; init; }

    /// <summary>Probability that a segment is held back so later ones overtake it (0–1).</summary>
    public double ReorderRate { get; init; }
}

/// <summary>Limits on what one session may hold or do. Exceeding one is an error, never a crash.</summary>
public sealed record LabLimits
{
    /// <summary>Generous defaults for library use; the server configures its own.</summary>
    public static LabLimits Default { get; } = new();

    /// <summary>Largest payload of one send or one crafted segment, in octets.</summary>
    public int MaxPayloadBytes { get; init; } = 1 << 20;

    /// <summary>Most segments in flight at once.</summary>
    public int MaxInFlight { get; init; } = 1_000_000;

    /// <summary>Most events in the trace.</summary>
    public long MaxEvents { get; init; } = 10_000_000;

    /// <summary>Most SYNs in one flood command.</summary>
    public int MaxFloodSize { get; init; } = 1_000_000;

    /// <summary>Most steps one step, run or advance command may take.</summary>
    public int MaxStepsPerCommand { get; init; } = 10_000_000;

    /// <summary>Most octets waiting in one socket's send buffer.</summary>
    public int MaxSendBuffer { get; init; } = 16 << 20;
}

/// <summary>
/// Per-session changes to a profile: each non-null field replaces the profile's value. The names are the contract's
/// override names (architecture §3).
/// </summary>
public sealed record ProfileOverrides
{
    /// <summary>Initial RTO, ms (1–600000).</summary>
    public int? InitialRtoMs { get; init; }
    /// <summary>Minimum RTO, ms (1–600000).</summary>
    public int? MinRtoMs { get; init; }
    /// <summary>Maximum RTO, ms (1–3600000).</summary>
    public int? MaxRtoMs { get; init; }
    /// <summary>SYN retransmissions before giving up (0–255).</summary>
    public int? SynRetries { get; init; }
    /// <summary>SYN-ACK retransmissions before dropping a half-open entry (0–255).</summary>
    public int? SynAckRetries { get; init; }
    /// <summary>SYN retransmissions at the initial RTO before doubling (0–255).</summary>
    public int? SynLinearTimeouts { get; init; }
    /// <summary>Data/FIN retransmissions before giving up (0–255).</summary>
    public int? DataRetries { get; init; }
    /// <summary>TIME_WAIT length, ms (0–86400000). Default: 2·MSL.</summary>
    public int? TimeWaitMs { get; init; }
    /// <summary>Orphaned FIN_WAIT_2 lifetime, ms (0 = forever; up to 86400000).</summary>
    public int? FinWait2TimeoutMs { get; init; }
    /// <summary>Maximum segment lifetime, ms (0–43200000); also sets TIME_WAIT to 2·MSL unless timeWaitMs is given.</summary>
    public int? MslMs { get; init; }
    /// <summary>Advertised MSS (88–65495).</summary>
    public int? Mss { get; init; }
    /// <summary>Delayed-ACK timeout, ms (0 = ACK at once; up to 500).</summary>
    public int? DelayedAckMs { get; init; }
    /// <summary>Initial congestion window, segments (1–1000).</summary>
    public int? InitialWindowSegments { get; init; }
    /// <summary>Quick-ACK segments at connection start (0–1000).</summary>
    public int? QuickAckSegments { get; init; }
    /// <summary>Receive buffer, octets (1–65535).</summary>
    public int? ReceiveBuffer { get; init; }
    /// <summary>Challenge/out-of-window ACK spacing per socket, ms (0 = none; up to 60000).</summary>
    public int? InvalidAckRateLimitMs { get; init; }
    /// <summary>Nagle's algorithm on or off.</summary>
    public bool? Nagle { get; init; }
    /// <summary>RFC 1337 TIME-WAIT assassination protection.</summary>
    public bool? Rfc1337 { get; init; }
}
