using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnLab.Bench;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Rpc = ConnLab.Contracts.V1;

namespace ConnLab.Server.Load;

/// <summary>
/// The soak: a real server process, 64 concurrent clients mixing REST drivers, gRPC drivers and SignalR watchers for a
/// minute. Each driver rewinds its session every 300 calls, so traces stay bounded and the server's RSS should stay flat.
/// Counts 5xx answers and lost or reordered events at every watcher, samples the RSS, and reports p50/p99 per operation.
/// </summary>
internal static class SoakLoad
{
    public static async Task RunAsync(TimeSpan duration)
    {
        var dll = Path.Combine(Path.GetDirectoryName(typeof(SoakLoad).Assembly.Location)!, "ConnLab.Server.dll");
        var (http, grpc) = ($"http://127.0.0.1:{LoadServer.FreePort()}", $"http://127.0.0.1:{LoadServer.FreePort()}");
        var db = Path.Combine(Path.GetTempPath(), $"connlab-soak-{Environment.ProcessId}.db");
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__ConnLab"] = $"Data Source={db}",
                ["ConnLab__MaxSessionsPerClient"] = "5000",
                ["ConnLab__RequestsPerMinutePerClient"] = "100000000",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Kestrel__Endpoints__Http__Url"] = http,
                ["Kestrel__Endpoints__Grpc__Url"] = grpc,
                ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            },
        };
        using var server = Process.Start(start)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(http) };
        await WaitHealthy(client);
        using var channel = GrpcChannel.ForAddress(grpc);
        var lab = new Rpc.LabControl.LabControlClient(channel);
        Console.WriteLine($"Soak: 32 REST drivers, 16 gRPC drivers, 16 SignalR watchers, {duration.TotalSeconds:0} s, server process {server.Id}");

        var latencies = new ConcurrentDictionary<string, Latencies>();
        long serverErrors = 0, otherErrors = 0;
        void Time(string op, long started) => latencies.GetOrAdd(op, _ => new Latencies()).Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        var stop = new CancellationTokenSource(duration);
        var sessions = new ConcurrentBag<(string Id, string Token)>();

        async Task RestDriver(int n)
        {
            var created = (await (await client.PostAsJsonAsync("/api/sessions", new { scenario = "handshake", seed = n })).Content.ReadFromJsonAsync<JsonNode>())!;
            var (id, token) = (created["session"]!["id"]!.GetValue<string>(), created["token"]!.GetValue<string>());
            sessions.Add((id, token));
            var ops = new (string Name, HttpMethod Method, string Path, object? Body)[]
            {
                ("REST run", HttpMethod.Post, "run", null), ("REST send", HttpMethod.Post, "endpoints/client/send", new { data = "hello, soak" }),
                ("REST step", HttpMethod.Post, "step", null), ("REST step", HttpMethod.Post, "step", null),
                ("REST read", HttpMethod.Get, "", null), ("REST events", HttpMethod.Get, "events?from=0&limit=50", null),
            };
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                // Every 300 calls the session is rewound to just after its handshake, as a class does between
                // exercises: traces stay bounded, so the server's memory should too.
                var (name, method, path, body) = i % 300 == 299 ? ("REST rewind", HttpMethod.Post, "rewind", new { toStep = 3 }) : ops[i % ops.Length];
                using var request = new HttpRequestMessage(method, $"/api/sessions/{id}/{path}".TrimEnd('/'));
                request.Headers.Authorization = new("Bearer", token);
                if (body is not null)
                {
                    request.Content = JsonContent.Create(body);
                }
                var t = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request);
                Time(name, t);
                if ((int)response.StatusCode >= 500)
                {
                    Interlocked.Increment(ref serverErrors);
                }
                else if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.Conflict)
                {
                    Interlocked.Increment(ref otherErrors);
                }
            }
        }

        async Task GrpcDriver(int n)
        {
            var created = await lab.CreateSessionAsync(new Rpc.CreateSessionRequest { Scenario = "handshake", Seed = (ulong)n });
            var auth = new Metadata { { "authorization", $"Bearer {created.Token}" } };
            var id = created.Session.Id;
            sessions.Add((id, created.Token));
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var t = Stopwatch.GetTimestamp();
                var op = i % 300 == 299 ? "gRPC rewind" : (i % 4) switch { 0 => "gRPC run", 1 => "gRPC send", 2 => "gRPC step", _ => "gRPC get" };
                try
                {
                    _ = op switch
                    {
                        "gRPC run" => await lab.RunAsync(new Rpc.RunRequest { SessionId = id }, auth),
                        "gRPC send" => await lab.SendAsync(new Rpc.SendRequest { SessionId = id, Endpoint = Rpc.Endpoint.Server, Data = Google.Protobuf.ByteString.CopyFromUtf8("pong") }, auth),
                        "gRPC step" => await lab.StepAsync(new Rpc.StepRequest { SessionId = id }, auth),
                        "gRPC rewind" => await lab.RewindAsync(new Rpc.RewindRequest { SessionId = id, ToStep = 3 }, auth),
                        _ => (object)await lab.GetSessionAsync(new Rpc.SessionRequest { SessionId = id }),
                    };
                    Time(op, t);
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Internal or StatusCode.Unknown or StatusCode.Unavailable)
                {
                    Interlocked.Increment(ref serverErrors);
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref otherErrors);
                }
            }
        }

        var drivers = Enumerable.Range(0, 32).Select(RestDriver).Concat(Enumerable.Range(100, 16).Select(GrpcDriver)).ToList();
        while (sessions.Count < 48 && drivers.All(d => !d.IsFaulted))
        {
            await Task.Delay(10);
        }

        // Watchers: each follows one driven session and checks every index arrives once, in order.
        var watched = sessions.Take(16).ToList();
        var watchers = new List<(HubConnection Hub, string Id, StrongBox<long> Next, StrongBox<long> Disorder)>();
        var cutOffs = 0;
        foreach (var (id, _) in watched)
        {
            var hub = new HubConnectionBuilder().WithUrl($"{http}/hubs/lab", o => o.Transports = HttpTransportType.WebSockets).Build();
            var next = new StrongBox<long>(0);
            var disorder = new StrongBox<long>(0);
            // While a Watch is pending, pushes are held and applied after its answer, as the dashboard does: the answer's
            // continuation can run after the receive loop has gone on to the watch's first pushes (the first Watch
            // counted a few events out of order in one soak run of two without this).
            var gate = new Lock();
            var recent = new Queue<string>();
            void Note(string what)
            {
                recent.Enqueue(what);
                if (recent.Count > 12)
                {
                    recent.Dequeue();
                }
            }
            List<Action>? held = null; // pushes and rewinds that arrived while a Watch was pending, in order
            void Push(JsonElement events)
            {
                lock (gate)
                {
                    var n = events.GetArrayLength();
                    Note(n == 0 ? "E[]" : $"E[{events[0].GetProperty("index").GetInt64()}..{events[n - 1].GetProperty("index").GetInt64()}]");
                    if (held is not null)
                    {
                        var copy = events.Clone();
                        held.Add(() => Take(copy));
                        return;
                    }
                    Take(events);
                }
            }
            void Take(JsonElement events)
            {
                foreach (var e in events.EnumerateArray())
                {
                    var index = e.GetProperty("index").GetInt64();
                    if (index < next.Value)
                    {
                        continue;
                    }
                    if (index != next.Value)
                    {
                        disorder.Value++;
                        Console.WriteLine($"soak: watcher of {id} got index {index} where {next.Value} was next; last messages: {string.Join(" ", recent)}");
                    }
                    next.Value = index + 1;
                }
            }
            hub.On<JsonElement>("SessionEvents", m => Push(m.GetProperty("events")));
            hub.On<JsonElement>("SessionRewound", s =>
            {
                lock (gate)
                {
                    var count = s.GetProperty("eventCount").GetInt64(); // the trace restarts there
                    Note($"R({count})");
                    if (held is not null)
                    {
                        held.Add(() => next.Value = count);
                        return;
                    }
                    next.Value = count;
                }
            });
            hub.On<string, long>("SessionLagged", async (_, from) =>
            {
                Interlocked.Increment(ref cutOffs);
                await WatchFrom(from);
            });
            async Task WatchFrom(long from)
            {
                lock (gate)
                {
                    held = [];
                }
                var answer = await hub.InvokeAsync<JsonElement>("Watch", id, from);
                lock (gate)
                {
                    // A rewind the cut-off dropped: the answer's trace is shorter than where this watcher was.
                    next.Value = Math.Min(next.Value, answer.GetProperty("nextIndex").GetInt64() - answer.GetProperty("events").GetArrayLength());
                    Take(answer.GetProperty("events"));
                    foreach (var apply in held!)
                    {
                        apply();
                    }
                    held = null;
                }
            }
            await hub.StartAsync();
            await WatchFrom(0);
            watchers.Add((hub, id, next, disorder));
        }

        var rss = new List<double>();
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            rss.Add(RssMb(server));
        }
        await Task.WhenAll(drivers);
        long missing = 0;
        foreach (var (hub, id, next, _) in watchers)
        {
            var total = (await lab.GetSessionAsync(new Rpc.SessionRequest { SessionId = id })).EventCount;
            var deadline = Stopwatch.StartNew();
            while (next.Value < total && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(10);
            }
            missing += Math.Max(0, total - next.Value);
            await hub.DisposeAsync();
        }
        server.Kill();
        await server.WaitForExitAsync();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(db + suffix);
        }

        foreach (var (op, l) in latencies.OrderBy(p => p.Key))
        {
            BenchReport.Add($"soak: {op}", $"{l.Count / clock.Elapsed.TotalSeconds:N0}/s, p50 {l.Percentile(50):0.00} ms, p99 {l.Percentile(99):0.00} ms");
        }
        var disorderTotal = watchers.Sum(w => w.Disorder.Value);
        BenchReport.Add($"soak: {duration.TotalSeconds:0} s, 64 clients (REST, gRPC, SignalR)", $"{serverErrors} 5xx, {otherErrors} other refusals, {missing} events lost, {disorderTotal} out of order, {cutOffs} watchers cut off and resumed",
            "zero 5xx, zero lost or reordered", "—", serverErrors == 0 && missing == 0 && disorderTotal == 0);
        var warm = rss.Skip(2).ToList();
        if (warm.Count >= 2)
        {
            var growth = warm[^1] / warm[0];
            BenchReport.Add("soak: server RSS after warm-up (10 s) → end", $"{warm[0]:0} MB → {warm[^1]:0} MB (max {warm.Max():0} MB)", "flat", $"{growth:0.00}×", growth < 1.15);
        }
    }

    private sealed class StrongBox<T>(T value)
    {
        public T Value = value;
    }

    private static async Task WaitHealthy(HttpClient client)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(20);
        }
        throw new TimeoutException("the server did not answer /healthz within 30 s");
    }

    private static double RssMb(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }

}
