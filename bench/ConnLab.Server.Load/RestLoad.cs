using ConnLab.Bench;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ConnLab.Server.Hosting;

namespace ConnLab.Server.Load;

/// <summary>
/// REST <c>step</c> against a no-op endpoint on the same server, same pipeline (rate limiter, JSON, problem details),
/// same client, same run: the ratio is the cost of a real command with durable persistence.
/// </summary>
internal static class RestLoad
{
    public static async Task RunAsync(int concurrency, TimeSpan duration, bool durable = true)
    {
        await using var server = await LoadServer.StartAsync(durable,
            endpoints: app => app.MapPost("/api/bench/noop", () => TypedResults.Ok(new { ok = true })));
        var url = server.Http;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(url) };
        Console.WriteLine($"REST load: {concurrency} concurrent clients, {duration.TotalSeconds:0} s per endpoint, server {url}");

        var noop = await Measure(concurrency, duration, _ => Task.FromResult<Func<Task>>(async () =>
        {
            using var r = await http.PostAsync("/api/bench/noop", null);
            r.EnsureSuccessStatusCode();
        }));
        Report("no-op POST", noop);
        BenchReport.Add("REST no-op POST, 64 clients (baseline)", $"{noop.Rate:N0} req/s, p50 {noop.Latency.Percentile(50):0.00} ms, p99 {noop.Latency.Percentile(99):0.00} ms");
        foreach (var size in new[] { 60_000, 200 })
        {
            var step = await Step(http, concurrency, duration, size);
            Report($"step, {size:N0}-octet sends ({(durable ? "durable" : "asynchronous writes")})", step);
            var (rate, p99) = (step.Rate / noop.Rate, step.Latency.Percentile(99) / noop.Latency.Percentile(99));
            BenchReport.Add($"REST step, {size:N0}-octet sends, 64 clients, {(durable ? "durable" : "asynchronous writes")}",
                $"{step.Rate:N0} req/s, p50 {step.Latency.Percentile(50):0.00} ms, p99 {step.Latency.Percentile(99):0.00} ms",
                "≥ 60 % of no-op, p99 ≤ 1.5×", $"{rate:P0}, p99 {p99:0.00}×", rate >= 0.6 && p99 <= 1.5);
        }
    }

    private static Task<Run> Step(HttpClient http, int concurrency, TimeSpan duration, int size) =>
        Measure(concurrency, duration, async _ =>
        {
            var (id, token) = await Transfer(http, size);
            var sends = 0;
            return async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{id}/step");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var r = await http.SendAsync(request);
                r.EnsureSuccessStatusCode();
                if (++sends % Math.Max(4, size / 120) == 0) // keep data flowing
                {
                    using var more = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{id}/endpoints/client/send")
                    {
                        Content = JsonContent.Create(new { data = new string('x', size) }),
                    };
                    more.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    (await http.SendAsync(more)).Dispose();
                }
            };
        });

    private static async Task<(string Id, string Token)> Transfer(HttpClient http, int size)
    {
        using var created = await http.PostAsJsonAsync("/api/sessions", new { profile = "linux" });
        var body = (await created.Content.ReadFromJsonAsync<JsonNode>())!;
        var id = body["session"]!["id"]!.GetValue<string>();
        var token = body["token"]!.GetValue<string>();
        foreach (var (path, data) in new[] { ("endpoints/server/listen", (object?)null), ("endpoints/client/connect", null), ("run", null),
                     ("endpoints/client/send", new { data = new string('x', size) }) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{id}/{path}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (data is not null)
            {
                request.Content = JsonContent.Create(data);
            }
            (await http.SendAsync(request)).EnsureSuccessStatusCode();
        }
        return (id, token);
    }

    private sealed record Run(double Rate, Latencies Latency);

    private static async Task<Run> Measure(int concurrency, TimeSpan duration, Func<int, Task<Func<Task>>> prepare)
    {
        var calls = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(prepare));
        // Warm up for 3 s at full concurrency: tiered JIT and connection pools settle before anything is timed.
        var warm = Stopwatch.StartNew();
        await Task.WhenAll(calls.Select(async call =>
        {
            while (warm.Elapsed < TimeSpan.FromSeconds(3))
            {
                await call();
            }
        }));
        var latency = new Latencies();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(calls.Select(async call =>
        {
            while (clock.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                await call();
                latency.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }));
        return new Run(latency.Count / clock.Elapsed.TotalSeconds, latency);
    }

    private static void Report(string name, Run run) => Console.WriteLine(
        $"| {name} | {run.Rate:N0} req/s | p50 {run.Latency.Percentile(50):0.00} ms | p99 {run.Latency.Percentile(99):0.00} ms |");
}
