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
