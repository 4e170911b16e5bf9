using ConnLab.Engine.Lab;

namespace ConnLab.Server.Sessions;

/// <summary>What a committed command did to a session: what live watchers (SignalR, gRPC streams) are told.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Events">The new events, in index order (none for a rewind, which restarts the trace).</param>
/// <param name="Snapshot">The session afterwards.</param>
/// <param name="Kind">What kind of change.</param>
public sealed record SessionChange(string SessionId, IReadOnlyList<LabEvent> Events, SessionSnapshot? Snapshot, SessionChangeKind Kind)
{
    private static long s_last;

    /// <summary>
    /// Order of announcement, across all sessions. Changes are made and announced under their session's gate, so a
    /// watch taken under that gate (<see cref="Latest"/>) knows exactly which changes came before it: needed because a
    /// rewind reuses event indexes, so an index alone cannot tell a stale change from a new one.
    /// </summary>
    public long Seq { get; } = Interlocked.Increment(ref s_last);

    /// <summary>The <see cref="Seq"/> of the latest change made so far.</summary>
    public static long Latest => Volatile.Read(ref s_last);
}

/// <summary>Kinds of change.</summary>
public enum SessionChangeKind
{
    /// <summary>A new session.</summary>
    Created,
    /// <summary>New events were appended.</summary>
    Appended,
    /// <summary>The trace was cut back by a rewind.</summary>
    Rewound,
    /// <summary>The session is gone.</summary>
    Deleted,
}
