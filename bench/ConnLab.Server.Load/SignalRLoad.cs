using System.Diagnostics;
using System.Text.Json;
using ConnLab.Bench;
using ConnLab.Engine.Lab;
using ConnLab.Server.Hubs;
using ConnLab.Server.Sessions;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ConnLab.Server.Load;

/// <summary>The baseline: a hub whose clients join a group, and a sender that broadcasts one message per event (a real ConnLab event).</summary>
internal sealed class RawHub : Hub
{
    public Task Join(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);
}

/// <summary>
/// What both kinds of client read of an event: its index. Both deserialise typed, so each skips the rest of its
/// message's tokens the same way (the raw hub's events are ConnLab events, the same JSON).
/// </summary>
internal sealed record EventProbe(long Index);

/// <summary>What a ConnLab watcher reads of a push or of a Watch answer: the events' indexes (the snapshot is skipped).</summary>
internal sealed record PushProbe(List<EventProbe> Events);

/// <summary>
/// SignalR fan-out: N watchers of one session driven at a fixed event rate, beside the raw hub broadcasting one message
/// per event to N clients at the same rate, in the same server and run; then the session at full speed.
/// </summary>
internal static class SignalRLoad
{
    public static async Task RunAsync(TimeSpan duration, bool fullSpeedOnly = false)
    {
        await using var server = await LoadServer.StartAsync(durable: true, endpoints: app => app.MapHub<RawHub>("/hubs/raw"));
        var lab = server.Get<LabService>();
        Console.WriteLine($"SignalR fan-out: WebSockets, {duration.TotalSeconds:0} s per run after 2 s warm-up, durable writes, server {server.Http}");
        // A throwaway raw run first: the first run of a process pays for JIT tiers and thread-pool growth (1-2 s of p99).
        await RawAsync(server, 100, rate: 1000, TimeSpan.FromSeconds(3));
        foreach (var watchers in fullSpeedOnly ? [] : new[] { 100, 200 })
        {
            var raw = await RawAsync(server, watchers, rate: 1000, duration);
            Report($"raw hub, one message per event, {watchers} clients, 1,000 events/s", raw);
            var lab1 = await LabAsync(server, lab, watchers, rate: 1000, duration);
            Report($"ConnLab watchers, {watchers}, 1,000 events/s", lab1);
            BenchReport.Add($"SignalR raw hub, {watchers} clients, 1,000 events/s, one message per event (baseline)", $"p50 {raw.P50:0.0} ms, p99 {raw.P99:0.0} ms, {raw.Missing} missing");
            BenchReport.Add($"SignalR ConnLab, {watchers} watchers, 1,000 events/s", $"p50 {lab1.P50:0.0} ms, p99 {lab1.P99:0.0} ms, {lab1.Missing} missing, {lab1.Disorder} out of order",
                "every event; p99 ≤ raw", $"p99 {lab1.P99 / raw.P99:0.00}× raw", lab1.Missing == 0 && lab1.Disorder == 0 && lab1.P99 <= raw.P99);
        }
        var max = await LabAsync(server, lab, 100, rate: 0, duration);
        Report("ConnLab watchers, 100, session at full speed", max);
        var rawMax = await RawAsync(server, 100, rate: (int)max.Rate, duration);
        Report($"raw hub, 100 clients, same rate ({max.Rate:N0} events/s)", rawMax);
        BenchReport.Add($"SignalR ConnLab, 100 watchers, session at full speed ({max.Rate:N0} events/s)",
            $"p99 {max.P99:0} ms, worst lag {max.MaxBehindMs:0} ms, {max.CutOffs} cut off and resumed, {max.Missing} missing",
            "bounded backlog, latency < 1 s", $"raw hub at that rate: p99 {rawMax.P99:0} ms, worst lag {rawMax.MaxBehindMs:0} ms", max.Missing == 0 && max.P99 < 1000);
    }

    private sealed record Result(double Rate, long Events, double P50, double P99, double MaxBehindMs, long Missing, long Disorder, int CutOffs, int Clients,
        double ResumeP99 = 0);

    private static void Report(string name, Result r) => Console.WriteLine(
        $"| {name} | {r.Rate:N0} events/s | p50 {r.P50:0.0} ms | p99 {r.P99:0.0} ms | worst lag {r.MaxBehindMs:0} ms | " +
        $"{r.Missing} missing, {r.Disorder} out of order, {r.CutOffs} cut off and resumed (Watch again p99 {r.ResumeP99:0} ms), {r.Clients} clients |");

    private sealed class Client
    {
        public HubConnection Connection { get; init; } = null!;
        public long Next;
        public long Disorder;
        public int CutOffs;
    }

    private static HubConnection Connect(string url) => new HubConnectionBuilder()
        .WithUrl(url, o => o.Transports = HttpTransportType.WebSockets)
        .Build();

    private static async Task<Result> LabAsync(LoadServer server, LabService lab, int count, int rate, TimeSpan duration)
    {
        var created = (await lab.CreateAsync("fan-out", new SessionConfig { Profile = "linux" }, "handshake", "load", default)).Value!;
        var (id, token) = (created.Host.Id, created.Token);
        await lab.ExecuteAsync(id, token, new RunCommand(), default);
        await lab.ExecuteAsync(id, token, new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[16 << 20]), default);
        var committed = new long[4_000_000];
        lab.Changed += OnChanged;
        void OnChanged(SessionChange change)
        {
            if (change.SessionId == id)
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var e in change.Events)
                {
                    committed[e.Index] = now;
                }
            }
        }
        var latency = new Latencies();
        var resumes = new Latencies(); // SessionLagged received → its Watch answered
        var timing = false;
        var clients = new List<Client>();
        foreach (var _ in Enumerable.Range(0, count))
        {
            var client = new Client { Connection = Connect($"{server.Http}/hubs/lab") };
            void Take(List<EventProbe> events)
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var e in events)
                {
                    var index = e.Index;
                    if (index < client.Next)
                    {
                        continue;
                    }
                    if (index != client.Next)
                    {
                        Interlocked.Increment(ref client.Disorder);
                    }
                    client.Next = index + 1;
                    if (Volatile.Read(ref timing) && committed[index] != 0)
                    {
                        latency.Add(Stopwatch.GetElapsedTime(committed[index], now).TotalMilliseconds);
                    }
                }
            }
            client.Connection.On<PushProbe>(nameof(ILabClient.SessionEvents), m => Take(m.Events));
            client.Connection.On<string, long>(nameof(ILabClient.SessionLagged), async (_, from) =>
            {
                client.CutOffs++;
                var asked = Stopwatch.GetTimestamp();
                var answer = await client.Connection.InvokeAsync<PushProbe>("Watch", id, from);
                resumes.Add(Stopwatch.GetElapsedTime(asked).TotalMilliseconds);
                Take(answer.Events);
            });
            await client.Connection.StartAsync();
            var first = await client.Connection.InvokeAsync<JsonElement>("Watch", id, 0L);
            client.Next = first.GetProperty("nextIndex").GetInt64();
            clients.Add(client);
        }

        var behind = 0.0;
        long Drive(TimeSpan span)
        {
            var clock = Stopwatch.StartNew();
            long produced = 0;
            var lastCheck = TimeSpan.Zero;
            while (clock.Elapsed < span)
            {
                var due = rate > 0 ? rate * clock.Elapsed.TotalSeconds - produced : 60;
                if (due < 1)
                {
                    Thread.Sleep(1);
                    continue;
                }
                // About three events per step: step as many times as the schedule is behind.
                var outcome = lab.ExecuteAsync(id, token, new StepCommand((int)Math.Max(1, due / 3)), default).GetAwaiter().GetResult();
                produced += outcome.Value!.Events.Count;
                if (clock.Elapsed - lastCheck > TimeSpan.FromMilliseconds(100) && Volatile.Read(ref timing))
                {
                    lastCheck = clock.Elapsed;
                    var slowest = clients.Min(c => Volatile.Read(ref c.Next));
                    var total = lab.Find(id)!.Session.Events.Count;
                    if (slowest < total && committed[slowest] != 0)
                    {
                        behind = Math.Max(behind, Stopwatch.GetElapsedTime(committed[slowest]).TotalMilliseconds);
                    }
                }
            }
            return produced;
        }
        await Task.Run(() => Drive(TimeSpan.FromSeconds(2)));
        var start = lab.Find(id)!.Session.Events.Count;
        Volatile.Write(ref timing, true);
        var clock = Stopwatch.StartNew();
        var produced = await Task.Run(() => Drive(duration));
        var elapsed = clock.Elapsed.TotalSeconds;
        var end = lab.Find(id)!.Session.Events.Count;
        var deadline = Stopwatch.StartNew();
        while (clients.Any(c => Volatile.Read(ref c.Next) < end) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }
        Volatile.Write(ref timing, false);
        lab.Changed -= OnChanged;
        var missing = clients.Sum(c => Math.Max(0, end - Volatile.Read(ref c.Next)));
        var result = new Result(produced / elapsed, end - start, latency.Percentile(50), latency.Percentile(99), behind, missing,
            clients.Sum(c => c.Disorder), clients.Sum(c => c.CutOffs), count, resumes.Count > 0 ? resumes.Percentile(99) : 0);
        foreach (var c in clients)
        {
            await c.Connection.DisposeAsync();
        }
        await lab.DeleteAsync(id, token, admin: false, default);
        return result;
    }

    /// <summary>
    /// Real events as ConnLab pushes them (a data transfer: segments sent and delivered, data delivered, timers), read
    /// through the hub's own Watch so that they are exactly what a watcher receives.
    /// </summary>
    private static async Task<List<Dictionary<string, JsonElement>>> TemplateEventsAsync(LoadServer server)
    {
        var lab = server.Get<LabService>();
        var created = (await lab.CreateAsync("raw-template", new SessionConfig { Profile = "linux" }, "handshake", "load", default)).Value!;
        var (id, token) = (created.Host.Id, created.Token);
        await lab.ExecuteAsync(id, token, new RunCommand(), default);
        await lab.ExecuteAsync(id, token, new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[64 << 10]), default);
        await lab.ExecuteAsync(id, token, new StepCommand(40), default);
        await using var reader = Connect($"{server.Http}/hubs/lab");
        await reader.StartAsync();
        var answer = await reader.InvokeAsync<JsonElement>("Watch", id, 0L);
        await lab.DeleteAsync(id, token, admin: false, default);
        return answer.GetProperty("events").EnumerateArray()
            .Select(e => e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())).ToList();
    }

    /// <summary>The template event as event number <paramref name="index"/> (a copy: sends are in flight concurrently).</summary>
    private static Dictionary<string, JsonElement> WithIndex(Dictionary<string, JsonElement> template, long index) =>
        new(template) { ["index"] = JsonSerializer.SerializeToElement(index) };

    private static async Task<Result> RawAsync(LoadServer server, int count, int rate, TimeSpan duration)
    {
        var hub = server.Get<IHubContext<RawHub>>();
        var group = Guid.NewGuid().ToString("N");
        var latency = new Latencies();
        var timing = false;
        var clients = new List<Client>();
        var events = await TemplateEventsAsync(server);
        foreach (var _ in Enumerable.Range(0, count))
        {
            var client = new Client { Connection = Connect($"{server.Http}/hubs/raw") };
            client.Connection.On<long, EventProbe>("Event", (sentTicks, e) =>
            {
                if (e.Index != client.Next)
                {
                    Interlocked.Increment(ref client.Disorder);
                }
                client.Next = e.Index + 1;
                if (Volatile.Read(ref timing))
                {
                    latency.Add(Stopwatch.GetElapsedTime(sentTicks).TotalMilliseconds);
                }
            });
            await client.Connection.StartAsync();
            await client.Connection.InvokeAsync("Join", group);
            clients.Add(client);
        }
        long sent = 0;
        var behind = 0.0;
        var sentAt = new long[4_000_000];
        async Task Send(TimeSpan span)
        {
            var clock = Stopwatch.StartNew();
            var lastCheck = TimeSpan.Zero;
            var first = sent;
            while (clock.Elapsed < span)
            {
                if (sent - first >= rate * clock.Elapsed.TotalSeconds)
                {
                    await Task.Delay(1);
                    continue;
                }
                while (sent - first < rate * clock.Elapsed.TotalSeconds)
                {
                    var now = Stopwatch.GetTimestamp();
                    sentAt[sent] = now;
                    // A raw hub sends one message per event and, like most, does not wait for its slowest client.
                    _ = hub.Clients.Group(group).SendAsync("Event", now, WithIndex(events[(int)(sent % events.Count)], sent));
                    sent++;
                }
                if (clock.Elapsed - lastCheck > TimeSpan.FromMilliseconds(100) && Volatile.Read(ref timing))
                {
                    lastCheck = clock.Elapsed;
                    var slowest = clients.Min(c => Volatile.Read(ref c.Next));
                    if (slowest < sent)
                    {
                        behind = Math.Max(behind, Stopwatch.GetElapsedTime(sentAt[slowest]).TotalMilliseconds);
                    }
                }
            }
        }
        await Send(TimeSpan.FromSeconds(2));
        var start = sent;
        Volatile.Write(ref timing, true);
        var watch = Stopwatch.StartNew();
        await Send(duration);
        var elapsed = watch.Elapsed.TotalSeconds;
        var deadline = Stopwatch.StartNew();
        while (clients.Any(c => Volatile.Read(ref c.Next) < sent) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }
        Volatile.Write(ref timing, false);
        var missing = clients.Sum(c => Math.Max(0, sent - Volatile.Read(ref c.Next)));
        var result = new Result((sent - start) / elapsed, sent - start, latency.Percentile(50), latency.Percentile(99), behind, missing,
            clients.Sum(c => c.Disorder), 0, count);
        foreach (var c in clients)
        {
            await c.Connection.DisposeAsync();
        }
        return result;
    }
}
