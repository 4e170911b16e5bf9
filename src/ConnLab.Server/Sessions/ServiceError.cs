using ConnLab.Engine.Lab;

namespace ConnLab.Server.Sessions;

/// <summary>Why the session service refused a call. Mapped to HTTP (and gRPC) in one place: <c>Api/Problems.cs</c>.</summary>
public enum ServiceErrorKind
{
    /// <summary>The engine refused the command (its <see cref="LabError"/> says why).</summary>
    Engine,
    /// <summary>No such session.</summary>
    SessionNotFound,
    /// <summary>No token was given.</summary>
    Unauthenticated,
    /// <summary>The token is not this session's.</summary>
    Forbidden,
    /// <summary>A quota (sessions in total or per client) is used up.</summary>
    Quota,
    /// <summary>The request itself is malformed (a field is missing, of the wrong type, or unknown).</summary>
    BadRequest,
    /// <summary>The trace store failed (locked, read-only, I/O error); the command was rolled back. Worth retrying.</summary>
    Unavailable,
    /// <summary>The trace store is full (the disk, or <c>ConnLab:MaxStoreBytes</c>); the command was rolled back.</summary>
    StoreFull,
    /// <summary>The session is a closed workshop's sandbox: it can be read and watched, not changed.</summary>
    ReadOnly,
    /// <summary>No open workshop has that id or join code.</summary>
    WorkshopNotFound,
    /// <summary>The workshop was closed or has expired: its join code no longer works.</summary>
    WorkshopClosed,
    /// <summary>The workshop holds as many students as it may.</summary>
    WorkshopFull,
}

/// <summary>A refusal, with what the user needs to fix it.</summary>
public sealed record ServiceError(ServiceErrorKind Kind, string Message, LabError? Engine = null, string? Field = null)
{
    /// <summary>An engine refusal.</summary>
    public static ServiceError From(LabError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(ServiceErrorKind.Engine, error.Message, error, error.Field);
    }

    /// <summary>No such session.</summary>
    public static ServiceError NotFound(string id) => new(ServiceErrorKind.SessionNotFound, $"session '{id}' does not exist");
}

/// <summary>A value or the reason there is none.</summary>
public readonly record struct Result<T>(T? Value, ServiceError? Error)
{
    /// <summary>Success.</summary>
    public static implicit operator Result<T>(T value) => new(value, null);

    /// <summary>Failure.</summary>
    public static implicit operator Result<T>(ServiceError error) => new(default, error);
}
