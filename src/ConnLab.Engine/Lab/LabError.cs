using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Lab;

/// <summary>Stable codes for the errors a user can cause. Adapters map each to one HTTP status and one gRPC code.</summary>
public enum LabErrorCode
{
    /// <summary>A field is missing, malformed or out of range; <see cref="LabError.Field"/> names it.</summary>
    InvalidArgument,
    /// <summary>RFC 9293 §3.10.1 "connection already exists".</summary>
    ConnectionAlreadyExists,
    /// <summary>RFC 9293 §3.10 "connection does not exist".</summary>
    ConnectionDoesNotExist,
    /// <summary>RFC 9293 §3.10.2/§3.10.4 "connection closing".</summary>
    ConnectionClosing,
    /// <summary>The call is legal in RFC terms but not in the endpoint's current state (e.g. nothing to accept).</summary>
    IllegalInState,
    /// <summary>No in-flight segment has the given id (it was delivered, dropped, or never existed).</summary>
    SegmentNotFound,
    /// <summary>A step number outside the session's history (rewind or fork past the end).</summary>
    StepOutOfRange,
    /// <summary>A payload larger than the session allows.</summary>
    PayloadTooLarge,
    /// <summary>A session limit (events, in-flight segments, flood size, steps) would be exceeded.</summary>
    LimitExceeded,
}

/// <summary>An error the user caused, as a value. Nothing in the session changed when one is returned.</summary>
/// <param name="Code">The stable code.</param>
/// <param name="Message">A sentence for people: what was wrong and, where it helps, what to do instead.</param>
/// <param name="Field">The request field at fault, in the contract's JSON spelling (e.g. <c>client.port</c>).</param>
/// <param name="State">For state errors, the endpoint's state when the call was refused.</param>
/// <param name="Endpoint">For state errors, the endpoint that refused.</param>
public sealed record LabError(LabErrorCode Code, string Message, string? Field = null, TcpState? State = null, string? Endpoint = null)
{
    /// <summary>The RFC 9293 §3.10 error string for state errors ("connection already exists", …), else null.</summary>
    public string? RfcError => Code switch
    {
        LabErrorCode.ConnectionAlreadyExists => "connection already exists",
        LabErrorCode.ConnectionDoesNotExist => "connection does not exist",
        LabErrorCode.ConnectionClosing => "connection closing",
        _ => null,
    };

    internal static LabError Invalid(string field, string message) => new(LabErrorCode.InvalidArgument, message, field);

    internal static LabError AlreadyExists(string endpoint, TcpState state) => new(LabErrorCode.ConnectionAlreadyExists,
        $"error: connection already exists ({endpoint} is {state.ToName()}; RFC 9293 §3.10.1)", null, state, endpoint);

    internal static LabError DoesNotExist(string endpoint, TcpState state) => new(LabErrorCode.ConnectionDoesNotExist,
        $"error: connection does not exist ({endpoint} is {state.ToName()}; RFC 9293 §3.10)", null, state, endpoint);

    internal static LabError Closing(string endpoint, TcpState state) => new(LabErrorCode.ConnectionClosing,
        $"error: connection closing ({endpoint} is {state.ToName()}; RFC 9293 §3.10)", null, state, endpoint);

    internal static LabError Illegal(string endpoint, TcpState state, string message) =>
        new(LabErrorCode.IllegalInState, $"{message} ({endpoint} is {state.ToName()})", null, state, endpoint);
}
