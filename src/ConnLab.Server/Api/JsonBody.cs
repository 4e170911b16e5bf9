using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnLab.Server.Api;

/// <summary>
/// Reads request bodies strictly: unknown fields, wrong types and malformed JSON are 400s that name the field
/// (JSON path), never a 500 and never a silent default. An empty body means "all defaults".
/// </summary>
public static class JsonBody
{
    /// <summary>The API's JSON settings (camelCase, strict).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        AllowTrailingCommas = false,
    };

    /// <summary>The body as <typeparamref name="T"/>, or the problem that explains why it is not one.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, Func<T> empty) where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(empty);
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Invalid("body", $"send the body as application/json, not {type}"));
        }
        try
        {
            // Bodies are small (the server caps their size), so read them whole: an empty one means "all defaults".
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted).ConfigureAwait(false);
            if (buffer.Length == 0)
            {
                return (empty(), null);
            }
            var value = JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), Options);
            return (value ?? empty(), null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return (null, Problems.Invalid(field, $"the JSON body is not valid at '{field}': {Reason(ex)}"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TypedResults.Problem($"the request body is larger than the server accepts ({ex.Message})",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", type: Problems.TypeBase + "payload-too-large"));
        }
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
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
