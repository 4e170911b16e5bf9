using System.Text.Json.Nodes;
using ConnLab.Server.Api;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ConnLab.Server.Hosting;

/// <summary>
/// Request examples that Swagger UI pre-fills, so a student's first "Try it out" does something useful, and answers made by
/// the engine (<see cref="ResponseExamples"/>).
/// </summary>
internal sealed class LabExamples : ISchemaFilter
{
    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(CreateSessionRequest)] = """{ "name": "lab 1", "profile": "linux", "scenario": "handshake", "client": { "isn": 1000 }, "server": { "isn": 5000 } }""",
        [typeof(SendRequest)] = """{ "data": "hello" }""",
        [typeof(StepRequest)] = """{ "count": 1 }""",
        [typeof(RunRequest)] = """{ "until": "state", "endpoint": "client", "state": "ESTABLISHED", "maxSteps": 100 }""",
        [typeof(AdvanceRequest)] = """{ "ms": 1000 }""",
        [typeof(SynFloodRequest)] = """{ "count": 200, "spoofed": true }""",
        [typeof(RewindRequest)] = """{ "toStep": 1 }""",
        [typeof(ForkRequest)] = """{ "atStep": 1 }""",
        [typeof(LiveRequest)] = """{ "speed": 0.1 }""",
        [typeof(CreateWorkshopRequest)] = """{ "name": "Networks 101 — handshake", "scenario": "handshake", "profile": "rfc9293" }""",
        [typeof(JoinWorkshopRequest)] = """{ "code": "K7MX2Q", "studentName": "Ada" }""",
        [typeof(FollowRequest)] = """{ "on": true }""",
        [typeof(CraftedSegmentRequest)] = """{ "from": "client", "flags": ["RST"], "seq": 1234, "ack": 0, "window": 0 }""",
    };

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema concrete)
        {
            return;
        }
        var example = Examples.TryGetValue(context.Type, out var request) ? JsonNode.Parse(request) : ResponseExamples.For(context.Type);
        if (example is not null)
        {
            // The document is served as OpenAPI 3.0, whose schemas carry one `example` (3.1's `examples` is dropped).
#pragma warning disable CS0618
            concrete.Example = example;
#pragma warning restore CS0618
        }
    }
}
