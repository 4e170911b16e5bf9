using System.Text.Json;
using System.Text.Json.Nodes;
using ConnLab.Engine.Lab;
using ConnLab.Server.Api;
using ConnLab.Server.Sessions;

namespace ConnLab.Server.Hosting;

/// <summary>
/// Answers as Swagger UI shows them under each route: made by the engine itself (the <c>handshake</c> scenario with ISNs
/// 1000 and 5000, then one step) and written by the same serialiser as the real answers, so they can never drift from what
/// the server sends, and they read like a textbook's first exchange instead of "string" and 0.
/// </summary>
internal static class ResponseExamples
{
    private static readonly Lazy<Dictionary<Type, JsonNode>> Examples = new(Build);

    /// <summary>The example answer of type <paramref name="type"/>, if there is one.</summary>
    public static JsonNode? For(Type type) => Examples.Value.TryGetValue(type, out var example) ? example.DeepClone() : null;

    private static Dictionary<Type, JsonNode> Build()
    {
        var scenario = Scenarios.Find("handshake")!;
        var config = scenario.ConfigureSession(new SessionConfig
        {
            Client = EndpointConfig.DefaultClient with { Isn = 1000 },
            Server = EndpointConfig.DefaultServer with { Isn = 5000 },
        });
        var session = LabSession.Create(config);
        scenario.Apply(session);
        var host = new SessionHost("k3x9q2m7p4va", scenario.Title, "127.0.0.1", [], DateTimeOffset.UnixEpoch, session);
        var created = new CreatedView("dBCS3lrigdRTJOvgpuDWiuzJTsBu0zFD1A3YXZvDwM4", SessionView.From(host, session.Snapshot()));
        var step = session.Execute(new StepCommand(1));
        var answer = SessionsApi.View(new CommandOutcome(host, step.Events, session.Snapshot(), step.Stop));
        var view = answer.Session;
        var page = new EventPageView([.. session.Events.Take(3).Select(EventView.Of)], 0, 3, session.Events.Count);
        return new Dictionary<Type, JsonNode>
        {
            [typeof(CreatedView)] = Node(created),
            [typeof(CommandView)] = Node(answer),
            [typeof(SessionView)] = Node(view),
            [typeof(EventPageView)] = Node(page),
        };
    }

    private static JsonNode Node<T>(T value) => JsonSerializer.SerializeToNode(value, typeof(T), LabJson.Default)!;
}
