namespace ConnLab.Server.Persistence;

/// <summary>A session: its configuration (with the command log, everything needed to rebuild it).</summary>
public sealed class SessionRow
{
    /// <summary>Internal key; events and commands refer to it (8 bytes, not the 12-character public id).</summary>
    public long Key { get; set; }
    /// <summary>Public id.</summary>
    public string Id { get; set; } = "";
    /// <summary>Display name.</summary>
    public string Name { get; set; } = "";
    /// <summary>Client address that created it.</summary>
    public string Owner { get; set; } = "";
    /// <summary>SHA-256 of the token.</summary>
    public byte[] TokenHash { get; set; } = [];
    /// <summary>The engine configuration, JSON.</summary>
    public string ConfigJson { get; set; } = "";
    /// <summary>Creation time (Unix ms).</summary>
    public long CreatedAtMs { get; set; }
    /// <summary>
    /// The newest engine revision (<c>LabSession.EngineRevision</c>) known to produce its stored trace: set at creation and
    /// by a rewind, and raised when a newer engine's restore replays the trace identically.
    /// </summary>
    public int EngineRevision { get; set; }
}

/// <summary>One entry of a session's command log (the replay log), as <c>CommandCodec</c> JSON.</summary>
public sealed class CommandRow
{
    /// <summary>Session key.</summary>
    public long SessionKey { get; set; }
    /// <summary>Position in the log, from 0.</summary>
    public int Seq { get; set; }
    /// <summary>The command record.</summary>
    public string Json { get; set; } = "";
}

/// <summary>The events one command produced, in <see cref="EventChunk"/> form (the engine's compact encoding, payloads as digests).</summary>
public sealed class EventRow
{
    /// <summary>Session key.</summary>
    public long SessionKey { get; set; }
    /// <summary>The index of the first event in the chunk.</summary>
    public long Idx { get; set; }
    /// <summary>The encoded events.</summary>
    public byte[] Data { get; set; } = [];
}

/// <summary>
/// A command and/or the events it produced, group-committed by <see cref="TraceWriter"/> but not yet folded into
/// <see cref="CommandRow"/> and <see cref="EventRow"/>. The journal is append-only and unindexed, so a commit touches a
/// page or two at its end whatever sessions it serves; the writer moves it into the session-ordered tables in large,
/// sorted folds (see <see cref="TraceJournal"/>).
/// </summary>
public sealed class JournalRow
{
    /// <summary>Position in the journal (the rowid: rows are appended in commit order).</summary>
    public long Id { get; set; }
    /// <summary>Session key.</summary>
    public long SessionKey { get; set; }
    /// <summary>The command's position in the log, or null for a row of events only.</summary>
    public int? Seq { get; set; }
    /// <summary>The command record (<c>CommandCodec</c> JSON), or null for a row of events only.</summary>
    public string? Json { get; set; }
    /// <summary>The index of the first event in <see cref="Data"/>, or null for a row without events.</summary>
    public long? Idx { get; set; }
    /// <summary>The events, in <see cref="EventChunk"/> form, or null.</summary>
    public byte[]? Data { get; set; }
}

/// <summary>A workshop: a template session, a join code and the hash of the instructor's key.</summary>
public sealed class WorkshopRow
{
    /// <summary>Public id.</summary>
    public string Id { get; set; } = "";
    /// <summary>Join code (unique among open workshops; kept after closing for the record).</summary>
    public string Code { get; set; } = "";
    /// <summary>Display name.</summary>
    public string Name { get; set; } = "";
    /// <summary>The scenario preset of the template, or "-".</summary>
    public string Scenario { get; set; } = "";
    /// <summary>SHA-256 of the instructor key.</summary>
    public byte[] KeyHash { get; set; } = [];
    /// <summary>The instructor's template session.</summary>
    public string TemplateSessionId { get; set; } = "";
    /// <summary>Client address that created it.</summary>
    public string Owner { get; set; } = "";
    /// <summary>Creation time (Unix ms).</summary>
    public long CreatedAtMs { get; set; }
    /// <summary>When the code stops working (Unix ms).</summary>
    public long ExpiresAtMs { get; set; }
    /// <summary>When the instructor closed it (Unix ms), or null.</summary>
    public long? ClosedAtMs { get; set; }
    /// <summary>The session every student page shows while follow-me is on, or null.</summary>
    public string? FollowSessionId { get; set; }
}

/// <summary>A student of a workshop and their sandbox session.</summary>
public sealed class WorkshopStudentRow
{
    /// <summary>The workshop.</summary>
    public string WorkshopId { get; set; } = "";
    /// <summary>The student's session (a fork of the template).</summary>
    public string SessionId { get; set; } = "";
    /// <summary>The name the student gave.</summary>
    public string Name { get; set; } = "";
    /// <summary>Join time (Unix ms).</summary>
    public long JoinedAtMs { get; set; }
}
