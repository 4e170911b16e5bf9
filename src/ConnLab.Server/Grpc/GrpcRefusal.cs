namespace ConnLab.Server.Grpc;

/// <summary>
/// A gRPC refusal written before any service runs (rate limiter, malformed message): HTTP 200 with the status in
/// trailers, as a gRPC server answers, so clients see RESOURCE_EXHAUSTED or INVALID_ARGUMENT rather than an HTTP error
/// they would map to UNAVAILABLE or UNKNOWN.
/// </summary>
internal static class GrpcRefusal
{
    public static void Write(HttpContext http, global::Grpc.Core.StatusCode code, string message, params (string Key, string Value)[] trailers)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        http.Response.AppendTrailer("grpc-status", ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture));
        http.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
        foreach (var (key, value) in trailers)
        {
            http.Response.AppendTrailer(key, value);
        }
    }
}
