using ConnLab.Engine.Lab;

namespace ConnLab.Server.Sessions;

/// <summary>What a committed command did to a session: what live watchers (SignalR, gRPC streams) are told.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Events">The new events, in index order (none for a rewind, which restarts the trace).</param>
/// <param name="Snapshot">The session afterwards.</param>
/// <param name="Kind">What kind of change.</param>
public sealed record SessionChange(string SessionId, IReadOnlyList<LabEvent> Events, SessionSnapshot? Snapshot, SessionChangeKind Kind);

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
