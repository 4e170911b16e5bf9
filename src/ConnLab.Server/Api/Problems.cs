using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Server.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnLab.Server.Api;

/// <summary>
/// The one mapping from refusals to HTTP: RFC 9457 ProblemDetails with a stable <c>type</c> per error, the status,
/// and the field, state and RFC error string when there is one; <see cref="GrpcCode"/> maps the same classification to gRPC.
/// </summary>
public static class Problems
{
    /// <summary>Base of every problem type URI.</summary>
    public const string TypeBase = "https://connlab.dev/problems/";

    /// <summary>Seconds a client should wait after a quota or rate refusal.</summary>
    public const int RetryAfterSeconds = 60;

    /// <summary>Seconds a client should wait after the trace store was unavailable (locked, read-only, failing).</summary>
    public const int StoreRetryAfterSeconds = 5;

    /// <summary>The HTTP status and problem type slug of a refusal.</summary>
    public static (int Status, string Type) Classify(ServiceError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Kind switch
        {
            ServiceErrorKind.SessionNotFound => (StatusCodes.Status404NotFound, "session-not-found"),
            ServiceErrorKind.Unauthenticated => (StatusCodes.Status401Unauthorized, "token-required"),
            ServiceErrorKind.Forbidden => (StatusCodes.Status403Forbidden, "token-rejected"),
            ServiceErrorKind.Quota => (StatusCodes.Status429TooManyRequests, "quota-exceeded"),
            ServiceErrorKind.BadRequest => (StatusCodes.Status400BadRequest, "invalid-request"),
            ServiceErrorKind.Unavailable => (StatusCodes.Status503ServiceUnavailable, "store-unavailable"),
            ServiceErrorKind.StoreFull => (StatusCodes.Status507InsufficientStorage, "store-full"),
            ServiceErrorKind.ReadOnly => (StatusCodes.Status403Forbidden, "session-read-only"),
            ServiceErrorKind.WorkshopNotFound => (StatusCodes.Status404NotFound, "workshop-not-found"),
            ServiceErrorKind.WorkshopClosed => (StatusCodes.Status410Gone, "workshop-closed"),
            ServiceErrorKind.WorkshopFull => (StatusCodes.Status409Conflict, "workshop-full"),
            _ => error.Engine!.Code switch
            {
                LabErrorCode.InvalidArgument => (StatusCodes.Status400BadRequest, "invalid-argument"),
                LabErrorCode.StepOutOfRange => (StatusCodes.Status400BadRequest, "step-out-of-range"),
                LabErrorCode.SegmentNotFound => (StatusCodes.Status404NotFound, "segment-not-found"),
                LabErrorCode.ConnectionAlreadyExists => (StatusCodes.Status409Conflict, "connection-already-exists"),
                LabErrorCode.ConnectionDoesNotExist => (StatusCodes.Status409Conflict, "connection-does-not-exist"),
                LabErrorCode.ConnectionClosing => (StatusCodes.Status409Conflict, "connection-closing"),
                LabErrorCode.IllegalInState => (StatusCodes.Status409Conflict, "illegal-in-state"),
                LabErrorCode.PayloadTooLarge => (StatusCodes.Status413PayloadTooLarge, "payload-too-large"),
                LabErrorCode.LimitExceeded => (StatusCodes.Status429TooManyRequests, "limit-exceeded"),
                _ => (StatusCodes.Status400BadRequest, "invalid-argument"),
            },
        };
    }

    /// <summary>The gRPC status code of a refusal: the same classification, in gRPC's vocabulary.</summary>
    public static global::Grpc.Core.StatusCode GrpcCode(ServiceError error) => Classify(error) switch
    {
        (_, "workshop-full") => global::Grpc.Core.StatusCode.ResourceExhausted,
        (StatusCodes.Status410Gone, _) => global::Grpc.Core.StatusCode.FailedPrecondition,
        var (status, _) => GrpcCodeOfStatus(status),
    };

    private static global::Grpc.Core.StatusCode GrpcCodeOfStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge => global::Grpc.Core.StatusCode.InvalidArgument,
        StatusCodes.Status401Unauthorized => global::Grpc.Core.StatusCode.Unauthenticated,
        StatusCodes.Status403Forbidden => global::Grpc.Core.StatusCode.PermissionDenied,
        StatusCodes.Status404NotFound => global::Grpc.Core.StatusCode.NotFound,
        StatusCodes.Status409Conflict => global::Grpc.Core.StatusCode.FailedPrecondition,
        StatusCodes.Status429TooManyRequests or StatusCodes.Status507InsufficientStorage => global::Grpc.Core.StatusCode.ResourceExhausted,
        StatusCodes.Status503ServiceUnavailable => global::Grpc.Core.StatusCode.Unavailable,
        _ => global::Grpc.Core.StatusCode.Unknown,
    };

    /// <summary>The ProblemDetails answer for a refusal.</summary>
    public static ProblemHttpResult For(ServiceError error)
    {
        var (status, type) = Classify(error);
        var extensions = new Dictionary<string, object?>();
        if (error.Field is not null)
        {
            extensions["field"] = error.Field;
        }
        if (error.Engine is { State: { } state } engine)
        {
            extensions["state"] = state.ToName();
            extensions["endpoint"] = engine.Endpoint;
        }
        if (error.Engine?.RfcError is { } rfc)
        {
            extensions["rfcError"] = rfc;
        }
        return TypedResults.Problem(error.Message, statusCode: status, title: Title(type), type: TypeBase + type, extensions: extensions);
    }

    /// <summary>A malformed request (bad JSON, unknown or mistyped field).</summary>
    public static ProblemHttpResult Invalid(string field, string message) =>
        For(new ServiceError(ServiceErrorKind.BadRequest, message, Field: field));

    /// <summary>A request body larger than the server accepts (<c>Kestrel:Limits:MaxRequestBodySize</c>).</summary>
    public static ProblemHttpResult BodyTooLarge(string message) =>
        TypedResults.Problem(message, statusCode: StatusCodes.Status413PayloadTooLarge, title: Title("payload-too-large"),
            type: TypeBase + "payload-too-large", extensions: new Dictionary<string, object?> { ["field"] = "body" });

    /// <summary>A body that is not JSON.</summary>
    public static ProblemHttpResult NotJson(string message) =>
        TypedResults.Problem(message, statusCode: StatusCodes.Status415UnsupportedMediaType, title: Title("unsupported-media-type"),
            type: TypeBase + "unsupported-media-type", extensions: new Dictionary<string, object?> { ["field"] = "body" });

    /// <summary>
    /// Gives the refusals ASP.NET Core writes itself (no such route, wrong method or media type, unreadable query, an
    /// unhandled exception, the rate limiter) a stable ConnLab <c>type</c> instead of an RFC 9110 section link, and a
    /// quota refusal its <c>Retry-After</c>.
    /// </summary>
    public static void Customize(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
        {
            var slug = problem.Status switch
            {
                StatusCodes.Status400BadRequest => "invalid-request",
                StatusCodes.Status404NotFound => "route-not-found",
                StatusCodes.Status405MethodNotAllowed => "method-not-allowed",
                StatusCodes.Status413PayloadTooLarge => "payload-too-large",
                StatusCodes.Status415UnsupportedMediaType => "unsupported-media-type",
                StatusCodes.Status429TooManyRequests => "rate-limited",
                >= 500 => "internal-error",
                _ => null,
            };
            if (slug is not null)
            {
                problem.Type = TypeBase + slug;
            }
            // ASP.NET Core's own refusals carry a title only: say what to do instead, as every ConnLab refusal does.
            var request = context.HttpContext.Request;
            var allow = context.HttpContext.Response.Headers.Allow.ToString();
            problem.Detail ??= problem.Status switch
            {
                StatusCodes.Status404NotFound => $"no route matches {request.Method} {request.Path}; every route is listed at /swagger",
                StatusCodes.Status405MethodNotAllowed => allow.Length > 0
                    ? $"{request.Path} does not take {request.Method}; it takes {allow}"
                    : $"{request.Path} does not take {request.Method}",
                StatusCodes.Status415UnsupportedMediaType => request.ContentType is { Length: > 0 } type
                    ? $"the body must be JSON, sent with 'Content-Type: application/json' (this request's is '{type}')"
                    : "the body must be JSON, sent with 'Content-Type: application/json'",
                _ => null,
            };
            if (problem.Status == StatusCodes.Status415UnsupportedMediaType)
            {
                problem.Title = Title("unsupported-media-type");
            }
        }
        // Refusals that pass with time say when to try again, on every route (sessions and workshops alike).
        var retryAfter = problem.Type switch
        {
            TypeBase + "quota-exceeded" => RetryAfterSeconds,
            TypeBase + "store-unavailable" => StoreRetryAfterSeconds,
            _ => 0,
        };
        if (retryAfter > 0 && !context.HttpContext.Response.HasStarted && !context.HttpContext.Response.Headers.ContainsKey("Retry-After"))
        {
            context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static string Title(string type) => type switch
    {
        "session-not-found" => "No such session",
        "segment-not-found" => "No such segment in flight",
        "token-required" => "A session token is required",
        "token-rejected" => "The token does not control this session",
        "quota-exceeded" => "Quota exceeded",
        "limit-exceeded" => "Session limit reached",
        "payload-too-large" => "Payload too large",
        "unsupported-media-type" => "The body must be application/json",
        "store-unavailable" => "The trace store is unavailable",
        "store-full" => "The trace store is full",
        "session-read-only" => "The session is read-only",
        "workshop-not-found" => "No such workshop",
        "workshop-closed" => "The workshop has closed",
        "workshop-full" => "The workshop is full",
        "connection-already-exists" or "connection-does-not-exist" or "connection-closing" or "illegal-in-state"
            => "The action is not allowed in the endpoint's state",
        _ => "Invalid request",
    };
}
