using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnLab.Server.Api;

/// <summary>
/// Reads request bodies strictly: unknown fields, wrong types, missing required fields and malformed JSON are 400s
/// that name the field (JSON path), a body that is not JSON is 415, one over the server's size limit 413; never a 500
/// and never a silent default. An empty body is read as <c>{}</c>: every optional field takes its default.
/// </summary>
public static class JsonBody
{
    /// <summary>The API's JSON settings (camelCase, strict).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        AllowTrailingCommas = false,
        // A record parameter without a default (advance's ms, rewind's toStep, fork's atStep) must be sent: a missing one
        // used to read as 0 and, for rewind, threw the session's history away.
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>The body as <typeparamref name="T"/>, or the problem that explains why it is not one.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.NotJson($"send the body as application/json, not {type}"));
        }
        try
        {
            // Bodies are small (the server caps their size), so read them whole: an empty one means "all defaults".
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted).ConfigureAwait(false);
            var json = buffer.Length == 0 ? "{}"u8 : buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            var value = JsonSerializer.Deserialize<T>(json, Options);
            return value is null ? (null, Problems.Invalid("body", "the body must be a JSON object, not null")) : (value, null);
        }
        catch (JsonException ex)
        {
            var path = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : ex.Path.TrimStart('$', '.');
            var field = Missing(ex) is { } missing ? (path.Length == 0 ? missing : $"{path}.{missing}") : path.Length == 0 ? "body" : path;
            return (null, Problems.Invalid(field, $"the JSON body is not valid at '{field}': {Reason(ex)}"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.BodyTooLarge($"the request body is larger than the server accepts ({ex.Message})"));
        }
    }

    /// <summary>
    /// Endpoint filter: a body over the server's limit is 413 before the handler runs, also on routes that never read
    /// their body (which would otherwise act and ignore it). A declared length is checked at once; a chunked body, which
    /// declares none, is read (and kept for the handler) until it ends or passes the limit.
    /// </summary>
    public static async ValueTask<object?> RefuseOversized(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is not { } limit)
        {
            return await next(context).ConfigureAwait(false);
        }
        if (http.Request.ContentLength is { } length)
        {
            if (length > limit)
            {
                return Problems.BodyTooLarge($"the request body has {length} octets; the server accepts at most {limit}");
            }
        }
        else if (http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            http.Request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: limit);
            try
            {
                await http.Request.Body.CopyToAsync(Stream.Null, http.RequestAborted).ConfigureAwait(false);
                http.Request.Body.Position = 0;
            }
            catch (Exception e) when (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or IOException)
            {
                return Problems.BodyTooLarge($"the request body is longer than the server accepts (at most {limit} octets)");
            }
        }
        return await next(context).ConfigureAwait(false);
    }

    /// <summary>The first missing required field named by a deserialization error, if that is what it is.</summary>
    private static string? Missing(JsonException ex)
    {
        const string marker = "missing required properties including: '";
        var message = ex.Message;
        var start = message.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        start += marker.Length;
        var end = message.IndexOf('\'', start);
        return end > start ? message[start..end] : null;
    }

    private static string Reason(JsonException ex)
    {
        var message = ex.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "there is no such field";
        }
        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return "the value has the wrong type or is out of range";
        }
        if (Missing(ex) is not null)
        {
            return "the field is required";
        }
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
