using System.Text.Json.Nodes;
using ConnLab.Server.Api;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ConnLab.Server.Hosting;

/// <summary>
/// Route and query parameters as a student needs them in Swagger UI: what each is, and a drop-down of the values a path
/// takes (<c>client</c>/<c>server</c>, <c>connect</c>, <c>drop</c>, …) instead of a blank text box. The handlers bind them as
/// text so that a wrong one is a 400 naming it; the document says what they are.
/// </summary>
internal sealed class RouteParameters : IOperationFilter
{
    private static readonly Dictionary<string, (string Description, string[]? Choices, bool Integer)> Parameters = new(StringComparer.Ordinal)
    {
        ["endpoint"] = ("Which endpoint of the pair acts.", ["client", "server"], false),
        ["action"] = ("The user call, as RFC 9293 §3.10 names them: listen (passive OPEN), connect (active OPEN), send (SEND; "
            + "body {\"data\": \"text\"}), close (CLOSE: a FIN after the queued data), abort (ABORT: a RST), shutdown (a FIN, still "
            + "receiving), accept (take a connection from the listener's accept queue), read (the application reads, when "
            + "auto-read is off).", SessionsApi.Actions, false),
        ["segmentId"] = ("The id of a segment in flight (the snapshot's inFlight list).", null, true),
        ["intervention"] = ("drop: the segment is lost on the wire; duplicate: a copy arrives too.", SessionsApi.Interventions, false),
        ["from"] = ("The first event's index (0 by default).", null, true),
        ["limit"] = ("At most this many events, 1–1000 (100 by default).", null, true),
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.RelativePath?.EndsWith("/endpoints/{endpoint}/{action}", StringComparison.Ordinal) == true)
        {
            // The handler reads it from the query itself (only read takes it), so no binding declares it.
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "maxBytes",
                In = ParameterLocation.Query,
                Description = "read only: the most octets the application reads (absent or 0: all that wait).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0" },
            });
        }
        var workshop = context.ApiDescription.RelativePath?.StartsWith("api/workshops", StringComparison.Ordinal) == true;
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.Name == "id")
            {
                parameter.Description = workshop
                    ? "The workshop's id (from its creation)."
                    : "The session's id (from its creation, or GET /api/sessions).";
            }
            else if (parameter.Name is { } name && Parameters.TryGetValue(name, out var doc))
            {
                parameter.Description = doc.Description;
                parameter.Schema = doc.Integer
                    ? new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" }
                    : new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Enum = doc.Choices?.Select(c => (JsonNode)JsonValue.Create(c)).ToList(),
                    };
            }
        }
    }
}
