using ConnLab.Engine.Lab;

namespace ConnLab.Server.Sessions;

/// <summary>The sandbox's limits and switches, bound from the <c>ConnLab</c> configuration section.</summary>
public sealed class LabOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "ConnLab";

    /// <summary>Key that lists and deletes every session (<c>X-Admin-Key</c> header or bearer token); empty disables it.</summary>
    public string AdminKey { get; set; } = "";
    /// <summary>Most live sessions on the server.</summary>
    public int MaxSessions { get; set; } = 1000;
    /// <summary>Most sessions one client address may own.</summary>
    public int MaxSessionsPerClient { get; set; } = 50;
    /// <summary>Most events in one session's trace.</summary>
    public long MaxEventsPerSession { get; set; } = 200_000;
    /// <summary>Most segments in flight in one session.</summary>
    public int MaxInFlight { get; set; } = 10_000;
    /// <summary>Largest payload of one send or crafted segment, in octets.</summary>
    public int MaxPayloadBytes { get; set; } = 65_536;
    /// <summary>Most SYNs in one flood.</summary>
    public int MaxFloodSize { get; set; } = 100_000;
    /// <summary>Most steps one step, run or advance may take.</summary>
    public int MaxStepsPerCommand { get; set; } = 100_000;
    /// <summary>Minutes without a command after which a session leaves memory (it stays in the database and reloads on access).</summary>
    public int IdleTtlMinutes { get; set; } = 120;
    /// <summary>
    /// After start, replay every stored session in the background (true), or each only on its first use (false: less
    /// memory after a restart with many idle sessions, and a replay mismatch is logged only then). Either way the server
    /// answers before the replays, and a request for a session not replayed yet replays it first.
    /// </summary>
    public bool PreloadStoredSessions { get; set; } = true;
    /// <summary>
    /// Where Prometheus scrapes the server's metrics (the <c>ConnLab</c> meter, ASP.NET Core's request, connection,
    /// SignalR and rate-limiter meters, and the runtime's); empty turns the endpoint off.
    /// </summary>
    public string MetricsPath { get; set; } = "/metrics";
    /// <summary>Requests per minute one client address may make.</summary>
    public int RequestsPerMinutePerClient { get; set; } = 600;
    /// <summary>Answer a command only once its commands and events are on disk (group-committed); false answers at once.</summary>
    public bool DurableWrites { get; set; } = true;
    /// <summary>
    /// Changes a gRPC watcher, or events a SignalR watcher, may fall behind by before it is cut off with the index to
    /// resume from (gRPC: ResourceExhausted and a <c>resume-from</c> trailer; SignalR: <c>SessionLagged</c>).
    /// </summary>
    public int WatchBuffer { get; set; } = 10_000;
    /// <summary>
    /// Milliseconds a SignalR watcher's oldest unsent batch may wait before the watcher is cut off with
    /// <c>SessionLagged</c> (0: no time bound, only <see cref="WatchBuffer"/>). A count alone lets a dashboard fall
    /// seconds behind a busy session (10,000 events are 3-4 s at full speed); resuming from where it was cut off brings
    /// it back to the present in one Watch answer, so a watcher is at most this plus one Watch round trip behind.
    /// </summary>
    public int WatchMaxLagMs { get; set; } = 250;
    /// <summary>
    /// Reverse proxies (IP addresses or CIDR networks, comma-separated) whose <c>X-Forwarded-For</c> and
    /// <c>X-Forwarded-Proto</c> are believed, so quotas and rate limits count the real client; empty trusts none.
    /// </summary>
    public string TrustedProxies { get; set; } = "";
    /// <summary>Most sessions one SignalR connection may watch at once.</summary>
    public int MaxWatchesPerConnection { get; set; } = 64;
    /// <summary>Most rows one group commit writes.</summary>
    public int WriteBatchSize { get; set; } = 2000;
    /// <summary>
    /// Journal rows (about one per command) after which the trace writer folds its append-only journal into the
    /// session-ordered tables. Larger folds write each session's pages less often; the journal is scanned when a
    /// session is loaded, rewound or deleted.
    /// </summary>
    public int JournalFoldRows { get; set; } = 4096;
    /// <summary>Milliseconds without writes after which the trace writer folds what is in its journal; 0 folds only by size.</summary>
    public int JournalFoldIdleMs { get; set; } = 1000;
    /// <summary>
    /// Most journal rows the trace writer folds between two group commits: a commit waits for one chunk at most. Larger
    /// chunks write each session's pages less often.
    /// </summary>
    public int JournalFoldChunkRows { get; set; } = 1024;
    /// <summary>Most octets of commands and events one fold chunk moves (a chunk holds one row at least).</summary>
    public long JournalFoldChunkBytes { get; set; } = 1 << 20;
    /// <summary>
    /// Milliseconds one fold chunk should take (its rows are sized from the previous chunk's time, up to
    /// <see cref="JournalFoldChunkRows"/>): the most a group commit waits behind a fold. 0 folds full chunks.
    /// </summary>
    public double JournalFoldChunkMs { get; set; } = 5;
    /// <summary>
    /// WAL pages after which the trace writer checkpoints on its own connection. A checkpoint beside the writer copies
    /// pages every 250 ms without holding up commits but cannot complete while they go on; this one finishes the job
    /// so that the WAL starts over instead of growing.
    /// </summary>
    public int WalCheckpointPages { get; set; } = 8192;
    /// <summary>
    /// Largest size of the trace store in bytes (SQLite's <c>max_page_count</c> on the writer); 0 is no limit beyond the
    /// disk. A command that would pass it is refused with 507, like one on a full disk.
    /// </summary>
    public long MaxStoreBytes { get; set; }
    /// <summary>Most open workshops on the server (429 beyond).</summary>
    public int MaxWorkshops { get; set; } = 100;
    /// <summary>Most students one workshop admits (409 beyond).</summary>
    public int MaxStudentsPerWorkshop { get; set; } = 100;
    /// <summary>Minutes a workshop stays open after its creation; then its code stops working and its sandboxes turn read-only.</summary>
    public int WorkshopTtlMinutes { get; set; } = 480;

    /// <summary>The engine limits every session gets.</summary>
    public LabLimits ToLimits() => LabLimits.Default with
    {
        MaxPayloadBytes = MaxPayloadBytes,
        MaxInFlight = MaxInFlight,
        MaxEvents = MaxEventsPerSession,
        MaxFloodSize = MaxFloodSize,
        MaxStepsPerCommand = MaxStepsPerCommand,
    };
}
