using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ConnLab.Contracts.V1;
using ConnLab.Server.Hubs;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Server.Tests;

/// <summary>SignalR over real Kestrel WebSockets on ephemeral loopback ports.</summary>
public sealed class HubTests : IDisposable
{
    private readonly LabFactory _factory;
    private readonly string _http;
    private readonly string _grpc;

    public HubTests()
    {
        _grpc = $"http://127.0.0.1:{FreePorts.Next()}";
        _http = $"http://127.0.0.1:{FreePorts.Next()}";
        _factory = new LabFactory(settings: new()
        {
            ["Kestrel:Endpoints:Http:Url"] = _http,
            ["Kestrel:Endpoints:Grpc:Url"] = _grpc,
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
        });
        _factory.UseKestrel();
        _factory.StartServer();
        Assert.Contains(_http, _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses);
    }

    public void Dispose() => _factory.Dispose();

    private sealed class Watcher : IAsyncDisposable
    {
        public HubConnection Connection { get; }
        public ConcurrentQueue<long> Indexes { get; } = new();
        public long Next { get; set; }

        public Watcher(string url)
        {
            Connection = new HubConnectionBuilder()
                .WithUrl($"{url}/hubs/lab", o => o.Transports = HttpTransportType.WebSockets)
                .Build();
            Connection.On<JsonNode>(nameof(ILabClient.SessionEvents), m =>
            {
                foreach (var e in m["events"]!.AsArray())
                {
                    var index = e!["index"]!.GetValue<long>();
                    if (index >= Next)
                    {
                        Indexes.Enqueue(index);
                        Next = index + 1;
                    }
                }
            });
        }

        public async Task WatchAsync(string session, long from)
        {
            await Connection.StartAsync();
            var answer = await Connection.InvokeAsync<JsonNode>("Watch", session, from);
            foreach (var e in answer["events"]!.AsArray())
            {
                Indexes.Enqueue(e!["index"]!.GetValue<long>());
            }
            Next = answer["nextIndex"]!.GetValue<long>();
        }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }

    [Fact]
    public async Task Two_watchers_see_identical_gap_free_streams_while_rest_and_grpc_drive_the_session()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_http) };
        var created = (await (await http.PostAsJsonAsync("/api/sessions", new { profile = "linux" })).Content.ReadFromJsonAsync<JsonNode>())!;
        var id = created["session"]!["id"]!.GetValue<string>();
        var token = created["token"]!.GetValue<string>();
        await using var a = new Watcher(_http);
        await using var b = new Watcher(_http);
        await a.WatchAsync(id, 0);
        await b.WatchAsync(id, 0);

        using var channel = GrpcChannel.ForAddress(_grpc);
        var grpc = new LabControl.LabControlClient(channel);
        var auth = new Metadata { { "authorization", $"Bearer {token}" } };
        async Task Rest(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{id}/{path}");
            request.Headers.Authorization = new("Bearer", token);
            (await http.SendAsync(request)).EnsureSuccessStatusCode();
        }
        await Rest("endpoints/server/listen");
        await grpc.ConnectAsync(new EndpointRequest { SessionId = id, Endpoint = Endpoint.Client }, auth);
        await Rest("step");
        await grpc.StepAsync(new StepRequest { SessionId = id }, auth);
        await Rest("run");
        await grpc.SendAsync(new SendRequest { SessionId = id, Endpoint = Endpoint.Client, Data = Google.Protobuf.ByteString.CopyFromUtf8("hi") }, auth);
        var last = await grpc.RunAsync(new RunRequest { SessionId = id }, auth);
        var total = last.Session.EventCount;

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((a.Indexes.Count < total || b.Indexes.Count < total) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        var expected = Enumerable.Range(0, (int)total).Select(i => (long)i).ToList();
        Assert.Equal(expected, a.Indexes.ToList());
        Assert.Equal(expected, b.Indexes.ToList());
    }

    [Fact]
    public async Task Grpc_web_reaches_lab_control_over_http_1_1_and_grpc_health_reports_serving()
    {
        using var web = GrpcChannel.ForAddress(_http, new GrpcChannelOptions
        {
            HttpHandler = new global::Grpc.Net.Client.Web.GrpcWebHandler(global::Grpc.Net.Client.Web.GrpcWebMode.GrpcWebText, new HttpClientHandler()),
            HttpVersion = System.Net.HttpVersion.Version11, // what a browser's fetch uses
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        var created = await new LabControl.LabControlClient(web).CreateSessionAsync(new CreateSessionRequest { Scenario = "handshake" });
        Assert.Equal(TcpState.SynSent, created.Session.Client.State);
        using var h2 = GrpcChannel.ForAddress(_grpc);
        var health = await new global::Grpc.Health.V1.Health.HealthClient(h2).CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest());
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task A_page_drawn_from_the_rest_trace_watches_from_its_next_index_and_misses_nothing()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_http) };
        var created = (await (await http.PostAsJsonAsync("/api/sessions", new { scenario = "handshake" })).Content.ReadFromJsonAsync<JsonNode>())!;
        var id = created["session"]!["id"]!.GetValue<string>();
        var token = created["token"]!.GetValue<string>();
        async Task Post(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{id}/{path}");
            request.Headers.Authorization = new("Bearer", token);
            (await http.SendAsync(request)).EnsureSuccessStatusCode();
        }
        await Post("step");
        var drawn = (await http.GetFromJsonAsync<JsonNode>($"/api/sessions/{id}/trace"))!;
        var seen = drawn["events"]!.AsArray().Select(e => e!["index"]!.GetValue<long>()).ToList();
        await Post("step"); // changes while the page's hub connection starts
        await using var watcher = new Watcher(_http);
        await watcher.WatchAsync(id, drawn["nextIndex"]!.GetValue<long>());
        await Post("run"); // and after it watches: pushed
        var total = (await http.GetFromJsonAsync<JsonNode>($"/api/sessions/{id}"))!["eventCount"]!.GetValue<long>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (seen.Count + watcher.Indexes.Count < total && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(Enumerable.Range(0, (int)total).Select(i => (long)i), seen.Concat(watcher.Indexes));
    }

    [Fact]
    public async Task A_watcher_that_reconnects_resumes_from_its_last_index_without_a_gap()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_http) };
        var created = (await (await http.PostAsJsonAsync("/api/sessions", new { scenario = "handshake" })).Content.ReadFromJsonAsync<JsonNode>())!;
        var id = created["session"]!["id"]!.GetValue<string>();
        var token = created["token"]!.GetValue<string>();
        var first = new Watcher(_http);
        await first.WatchAsync(id, 0);
        var seen = first.Indexes.ToList();
        await first.DisposeAsync(); // the Wi-Fi drops
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{id}/run"))
        {
            request.Headers.Authorization = new("Bearer", token);
            (await http.SendAsync(request)).EnsureSuccessStatusCode();
        }
        await using var again = new Watcher(_http);
        await again.WatchAsync(id, seen[^1] + 1);
        var all = seen.Concat(again.Indexes).ToList();
        Assert.Equal(Enumerable.Range(0, all.Count).Select(i => (long)i), all);
        Assert.True(all.Count > seen.Count);
    }
}
