using ConnLab.Engine.Lab;

namespace ConnLab.Server.Sessions;

/// <summary>
/// One live session: its engine session and what the server knows about it. Commands on it run one at a time
/// (<see cref="Gate"/>); different sessions run in parallel.
/// </summary>
public sealed class SessionHost
{
    internal SessionHost(string id, string name, string owner, byte[] tokenHash, DateTimeOffset createdAt, LabSession session)
    {
        Id = id;
        Name = name;
        Owner = owner;
        TokenHash = tokenHash;
        CreatedAt = createdAt;
        Session = session;
        LastUsed = createdAt;
    }

    /// <summary>Public id.</summary>
    public string Id { get; }
    /// <summary>Display name.</summary>
    public string Name { get; }
    /// <summary>The client address that created it (for per-client quotas).</summary>
    public string Owner { get; }
    /// <summary>SHA-256 of its token.</summary>
    public byte[] TokenHash { get; }
    /// <summary>Creation time.</summary>
    public DateTimeOffset CreatedAt { get; }
    /// <summary>The engine session (replaced by a rewind; reloaded from the store after an idle eviction).</summary>
    public LabSession Session
    {
        get => _session ?? throw new InvalidOperationException($"session {Id} is not in memory");
        internal set => _session = value;
    }

    private LabSession? _session;

    /// <summary>True while the engine session is in memory.</summary>
    internal bool IsLoaded => _session is not null;

    /// <summary>Drops the engine session from memory (it stays in the store).</summary>
    internal void Evict() => _session = null;

    /// <summary>Internal store key.</summary>
    internal long Key { get; init; }
    /// <summary>Last command or read.</summary>
    public DateTimeOffset LastUsed { get; internal set; }
    /// <summary>Live mode: virtual ms per real ms while the server plays the session; null when it is not playing.</summary>
    public double? LiveSpeed { get; internal set; }
    /// <summary>
    /// From this moment the session's token no longer changes it (a workshop sandbox after its workshop closed or
    /// expired); reads and watches go on. Null: always writable.
    /// </summary>
    public DateTimeOffset? ReadOnlyFrom { get; internal set; }
    /// <summary>Set when a restored session did not replay to its stored trace.</summary>
    public string? Problem { get; internal set; }
    /// <summary>Commands already handed to the trace store.</summary>
    internal int PersistedCommands { get; set; }
    /// <summary>Events already handed to the trace store.</summary>
    internal int PersistedEvents { get; set; }
    /// <summary>Serialises everything done to this session.</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);
    /// <summary>True once deleted (a waiter that got the gate afterwards must not touch it).</summary>
    internal bool Deleted { get; set; }
}
