using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using ConnLab.Server.Hubs;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Server.Tests;

/// <summary>SignalR watchers that fall behind or ask for too much, over real Kestrel WebSockets.</summary>
public sealed class HubSlowConsumerTests : IDisposable
{
    private const int WatchBuffer = 2000; // events: enough that the reading watcher never lags on a busy machine
    private readonly LabFactory _factory;
    private readonly string _http;

    public HubSlowConsumerTests()
    {
        _http = $"http://127.0.0.1:{FreePorts.Next()}";
        _factory = new LabFactory(settings: new()
        {
            ["Kestrel:Endpoints:Http:Url"] = _http,
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["ConnLab:WatchBuffer"] = WatchBuffer.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ConnLab:WatchMaxLagMs"] = "0", // the count bound alone: a busy test machine must not cut the reading watcher off by time
            ["ConnLab:MaxWatchesPerConnection"] = "2",
            ["ConnLab:RequestsPerMinutePerClient"] = "100000",
        });
        _factory.UseKestrel();
        _factory.StartServer();
    }

    public void Dispose() => _factory.Dispose();

    private async Task<(HttpClient Http, string Id, string Token)> Established()
    {
        var http = new HttpClient { BaseAddress = new Uri(_http) };
        var created = (await (await http.PostAsJsonAsync("/api/sessions", new { scenario = "handshake" })).Content.ReadFromJsonAsync<JsonNode>())!;
        var id = created["session"]!["id"]!.GetValue<string>();
        var token = created["token"]!.GetValue<string>();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        (await http.PostAsync($"/api/sessions/{id}/run", null)).EnsureSuccessStatusCode();
        return (http, id, token);
    }

    /// <summary>A SignalR JSON-protocol client on a raw WebSocket with a tiny receive buffer, which reads only when told.</summary>
    private sealed class StalledClient : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly HttpMessageInvoker _invoker;
        private readonly StringBuilder _text = new();

        public StalledClient()
        {
            _invoker = new HttpMessageInvoker(new SocketsHttpHandler
            {
                ConnectCallback = async (context, ct) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            });
        }

        public async Task ConnectAsync(string http)
        {
            await _socket.ConnectAsync(new Uri(http.Replace("http://", "ws://", StringComparison.Ordinal) + "/hubs/lab"), _invoker, CancellationToken.None);
            await SendAsync("""{"protocol":"json","version":1}""");
            var handshake = await ReadMessageAsync();
            Assert.Equal("{}", handshake);
        }

        public Task SendAsync(string json) =>
            _socket.SendAsync(Encoding.UTF8.GetBytes(json + "\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);

        /// <summary>The next record of the stream (records end with 0x1E).</summary>
        public async Task<string> ReadMessageAsync()
        {
            var buffer = new byte[8192];
            while (true)
            {
                var text = _text.ToString();
                var end = text.IndexOf('\u001e', StringComparison.Ordinal);
                if (end >= 0)
                {
                    _text.Remove(0, end + 1);
                    return text[..end];
                }
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                var read = await _socket.ReceiveAsync(buffer, timeout.Token);
                _text.Append(Encoding.UTF8.GetString(buffer, 0, read.Count));
            }
        }

        public async ValueTask DisposeAsync()
        {
            _socket.Abort();
            _socket.Dispose();
            _invoker.Dispose();
            await Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_watcher_that_never_reads_is_cut_off_with_resume_from_while_others_get_every_event()
    {
        var (http, id, _) = await Established();
        using var _http1 = http;
        await using var stalled = new StalledClient();
        await stalled.ConnectAsync(_http);
        await stalled.SendAsync($$"""{"type":1,"invocationId":"1","target":"Watch","arguments":["{{id}}",0]}""");

        var good = new HubConnectionBuilder().WithUrl($"{_http}/hubs/lab", o => o.Transports = HttpTransportType.WebSockets).Build();
        await using var _good = good;
        var received = new List<long>();
        good.On<JsonNode>(nameof(ILabClient.SessionEvents), m =>
        {
            lock (received)
            {
                received.AddRange(m["events"]!.AsArray().Select(e => e!["index"]!.GetValue<long>()));
            }
        });
        await good.StartAsync();
        var answer = await good.InvokeAsync<JsonNode>("Watch", id, 0L);
        lock (received)
        {
            received.InsertRange(0, answer["events"]!.AsArray().Select(e => e!["index"]!.GetValue<long>()));
        }

        // ~60 KB of data per round, each round far more text than the stalled client's socket buffers hold.
        var registry = _factory.Services.GetRequiredService<WatchRegistry>();
        long total = 0;
        for (var round = 0; round < 400 && (round < 5 || registry.Count(id) > 1); round++)
        {
            (await http.PostAsJsonAsync($"/api/sessions/{id}/endpoints/client/send", new { data = new string('x', 60_000) })).EnsureSuccessStatusCode();
            var run = (await (await http.PostAsync($"/api/sessions/{id}/run", null)).Content.ReadFromJsonAsync<JsonNode>())!;
            total = run["session"]!["eventCount"]!.GetValue<long>();
        }
        Assert.Equal(1, registry.Count(id)); // the stalled watcher was dropped, the good one stays

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && Volatile.Read(ref total) > Count(received))
        {
            await Task.Delay(20);
        }
        lock (received)
        {
            Assert.Equal(Enumerable.Range(0, (int)total).Select(i => (long)i), received);
        }

        // The stalled client, reading at last: a gap-free prefix of the trace, then SessionLagged naming where it ends.
        long next = 0;
        long? resumeFrom = null;
        while (resumeFrom is null)
        {
            var message = JsonNode.Parse(await stalled.ReadMessageAsync())!;
            if (message["type"]!.GetValue<int>() == 3)
            {
                next = message["result"]!["nextIndex"]!.GetValue<long>();
                Assert.Equal(next, message["result"]!["events"]!.AsArray().Count);
            }
            else if (message["type"]!.GetValue<int>() == 1 && message["target"]!.GetValue<string>() == nameof(ILabClient.SessionEvents))
            {
                foreach (var e in message["arguments"]![0]!["events"]!.AsArray())
                {
                    Assert.Equal(next++, e!["index"]!.GetValue<long>());
                }
            }
            else if (message["type"]!.GetValue<int>() == 1 && message["target"]!.GetValue<string>() == nameof(ILabClient.SessionLagged))
            {
                Assert.Equal(id, message["arguments"]![0]!.GetValue<string>());
                resumeFrom = message["arguments"]![1]!.GetValue<long>();
            }
        }
        Assert.Equal(next, resumeFrom);
        Assert.True(resumeFrom < total - WatchBuffer, $"cut off at {resumeFrom} of {total}");
    }

    private static int Count(List<long> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    [Fact]
    public async Task Snapshots_ride_along_at_most_every_interval_and_a_quiet_session_gets_its_final_one()
    {
        var (http, id, _) = await Established();
        using var _http1 = http;
        var hub = new HubConnectionBuilder().WithUrl($"{_http}/hubs/lab", o => o.Transports = HttpTransportType.WebSockets).Build();
        await using var _hub = hub;
        var messages = new List<(long Events, long? Step, DateTime At)>();
        hub.On<JsonNode>(nameof(ILabClient.SessionEvents), m =>
        {
            lock (messages)
            {
                messages.Add((m["events"]!.AsArray().Count, m["session"]?["step"]!.GetValue<long>(), DateTime.UtcNow));
            }
        });
        await hub.StartAsync();
        var next = (await hub.InvokeAsync<JsonNode>("Watch", id, 0L))["nextIndex"]!.GetValue<long>();
        (await http.PostAsJsonAsync($"/api/sessions/{id}/endpoints/client/send", new { data = new string('x', 20_000) })).EnsureSuccessStatusCode();
        long step = 0, total = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 30; i++) // one step per call: many small batches, quicker than the snapshot interval
        {
            var answer = (await (await http.PostAsync($"/api/sessions/{id}/step", null)).Content.ReadFromJsonAsync<JsonNode>())!;
            step = answer["session"]!["step"]!.GetValue<long>();
            total = answer["session"]!["eventCount"]!.GetValue<long>();
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && LastSnapshotStep() != step)
        {
            await Task.Delay(20);
        }
        Assert.Equal(step, LastSnapshotStep());
        var most = (int)(clock.Elapsed / LabBroadcaster.SnapshotInterval) + 2;
        lock (messages)
        {
            var snapshots = messages.Count(m => m.Step is not null);
            Assert.True(snapshots <= most, $"{snapshots} snapshots in {clock.ElapsedMilliseconds} ms");
            Assert.Equal(total - next, messages.Sum(m => m.Events)); // every event pushed, none twice
            Assert.Contains(messages, m => m.Step is null); // batches between snapshots come without one
        }

        long? LastSnapshotStep()
        {
            lock (messages)
            {
                return messages.LastOrDefault(m => m.Step is not null).Step;
            }
        }
    }

    [Fact]
    public async Task A_connection_may_watch_only_so_many_sessions_and_unwatching_frees_a_place()
    {
        var sessions = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (http, id, _) = await Established();
            http.Dispose();
            sessions.Add(id);
        }
        var hub = new HubConnectionBuilder().WithUrl($"{_http}/hubs/lab", o => o.Transports = HttpTransportType.WebSockets).Build();
        await using var _hub = hub;
        await hub.StartAsync();
        await hub.InvokeAsync<JsonNode>("Watch", sessions[0], 0L);
        await hub.InvokeAsync<JsonNode>("Watch", sessions[1], 0L);
        await hub.InvokeAsync<JsonNode>("Watch", sessions[0], 5L); // watching again replaces, it does not count twice
        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonNode>("Watch", sessions[2], 0L));
        Assert.Contains("at most 2 sessions", refused.Message, StringComparison.Ordinal);
        await hub.InvokeAsync("Unwatch", sessions[1]);
        var answer = await hub.InvokeAsync<JsonNode>("Watch", sessions[2], 0L);
        Assert.Equal(sessions[2], answer["session"]!["id"]!.GetValue<string>());
        var registry = _factory.Services.GetRequiredService<WatchRegistry>();
        Assert.Equal([1, 0, 1], sessions.Select(registry.Count));
    }

    [Fact]
    public async Task Watching_an_unknown_session_or_a_negative_index_is_refused_and_nothing_is_watched()
    {
        var (http, id, _) = await Established();
        http.Dispose();
        var hub = new HubConnectionBuilder().WithUrl($"{_http}/hubs/lab", o => o.Transports = HttpTransportType.WebSockets).Build();
        await using var _hub = hub;
        await hub.StartAsync();
        var unknown = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonNode>("Watch", "no-such-session", 0L));
        Assert.Contains("no-such-session", unknown.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonNode>("Watch", id, -1L));
        var registry = _factory.Services.GetRequiredService<WatchRegistry>();
        Assert.False(registry.IsWatched(id));
        Assert.False(registry.IsWatched("no-such-session"));
    }
}
