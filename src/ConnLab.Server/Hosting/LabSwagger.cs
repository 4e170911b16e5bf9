using Microsoft.OpenApi;

namespace ConnLab.Server.Hosting;

/// <summary>Swagger for students: XML docs of the API and the engine, and the bearer token on the Authorize button.</summary>
internal static class LabSwagger
{
    private static readonly string[] XmlDocs = ["ConnLab.Server.xml", "ConnLab.Engine.xml"];

    public static IServiceCollection AddLabSwagger(this IServiceCollection services) => services.AddSwaggerGen(o =>
    {
        o.SwaggerDoc("v1", new OpenApiInfo
        {
            Title = "ConnLab",
            Version = "v1",
            Description = "A TCP connection lab: simulated RFC 9293 endpoint pairs you step through segment by segment. "
                + "Create a session (POST /api/sessions, try scenario \"handshake\"), copy its token into Authorize, then act on "
                + "the endpoints and step. Every answer lists the events (segments, state changes, timers) with the RFC section behind each.",
        });
        foreach (var xml in XmlDocs)
        {
            var path = Path.Combine(AppContext.BaseDirectory, xml);
            if (File.Exists(path))
            {
                o.IncludeXmlComments(path);
            }
        }
        o.SchemaFilter<LabExamples>();
        o.OperationFilter<ProblemResponses>();
        o.OperationFilter<RouteParameters>();
        // Segment payloads are serialised from their octets (ReadOnlyMemory<byte>): on the wire, a base64 string.
        o.MapType<ReadOnlyMemory<byte>>(() => new OpenApiSchema { Type = JsonSchemaType.String, Format = "byte" });
        o.AddSecurityDefinition("Bearer", new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The token returned when the session was created.",
        });
        o.AddSecurityRequirement(document => new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference("Bearer", document)] = [],
        });
    });
}
