using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ConnLab.Contracts.V1;
using ConnLab.Server.Sessions;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Server.Tests;

/// <summary>REST and gRPC share one request budget per client; gRPC refusals are RESOURCE_EXHAUSTED with retry-after.</summary>
public sealed class GrpcRateLimitTests
{

    [Fact]
    public async Task A_client_flooding_steps_over_grpc_is_refused_with_resource_exhausted_once_its_budget_is_spent()
    {
        var (http, grpc) = ($"http://127.0.0.1:{FreePorts.Next()}", $"http://127.0.0.1:{FreePorts.Next()}");
        using var factory = new LabFactory(settings: new()
        {
            ["Kestrel:Endpoints:Http:Url"] = http,
            ["Kestrel:Endpoints:Grpc:Url"] = grpc,
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["ConnLab:RequestsPerMinutePerClient"] = "5",
        });
        factory.UseKestrel();
        factory.StartServer();
        using var rest = new HttpClient { BaseAddress = new Uri(http) };
        var created = (await (await rest.PostAsJsonAsync("/api/sessions", new { scenario = "handshake" })).Content.ReadFromJsonAsync<JsonNode>())!;
        var id = created["session"]!["id"]!.GetValue<string>();
        var auth = new Metadata { { "authorization", $"Bearer {created["token"]!.GetValue<string>()}" } };
        using var channel = GrpcChannel.ForAddress(grpc);
        var lab = new LabControl.LabControlClient(channel);

        for (var i = 0; i < 4; i++) // the REST create was the first of five
        {
            await lab.StepAsync(new StepRequest { SessionId = id }, auth);
        }
        var host = factory.Services.GetRequiredService<LabService>().Find(id)!;
        var before = (host.Session.Events.Count, host.Session.Snapshot().Step);
        var refused = await Assert.ThrowsAsync<RpcException>(() => lab.StepAsync(new StepRequest { SessionId = id }, auth).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("at most 5 requests per minute", refused.Status.Detail, StringComparison.Ordinal);
        Assert.True(int.Parse(refused.Trailers.GetValue("retry-after")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(before, (host.Session.Events.Count, host.Session.Snapshot().Step));
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, (await rest.GetAsync($"/api/sessions/{id}")).StatusCode); // one budget
    }
}
