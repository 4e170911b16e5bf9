using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ConnLab.Server.Tests;

/// <summary>Hub calls count against the client's per-minute budget, as REST and gRPC calls do.</summary>
public sealed class HubRateLimitTests : IDisposable
{
    private readonly LabFactory _factory;
    private readonly string _http = $"http://127.0.0.1:{FreePorts.Next()}";

    public HubRateLimitTests()
    {
        _factory = new LabFactory(settings: new()
        {
            ["Kestrel:Endpoints:Http:Url"] = _http,
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["ConnLab:RequestsPerMinutePerClient"] = "5",
        });
        _factory.UseKestrel();
        _factory.StartServer();
    }

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Hub_calls_past_the_per_minute_budget_fail_with_retry_after_and_the_connection_stays_open()
    {
        await using var hub = new HubConnectionBuilder().WithUrl($"{_http}/hubs/lab", o => o.Transports = HttpTransportType.WebSockets).Build();
        await hub.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            // Within the budget: an unknown session is an ordinary refusal, not a rate limit.
            var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<object>("Watch", "nosuchsession", 0L));
            Assert.DoesNotContain("rate-limited", refused.Message, StringComparison.Ordinal);
        }
        foreach (var call in new Func<Task>[] { () => hub.InvokeAsync<object>("Watch", "nosuchsession", 0L), () => hub.InvokeAsync<object>("JoinWorkshop", "ABCDEF") })
        {
            var limited = await Assert.ThrowsAsync<HubException>(call);
            Assert.Matches(@"rate-limited: at most 5 calls per minute per client; retry in \d+ s", limited.Message);
        }
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }
}
