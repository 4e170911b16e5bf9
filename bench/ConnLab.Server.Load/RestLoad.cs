using ConnLab.Bench;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ConnLab.Engine.Lab;
using ConnLab.Server.Sessions;

namespace ConnLab.Server.Load;

/// <summary>
/// REST <c>step</c> against a no-op endpoint on the same server, same pipeline (rate limiter, JSON, problem details),
/// same load tool, same run: the ratio is the cost of a real command with durable persistence. The load comes from wrk
/// (Debian's <c>wrk</c>), a separate process written in C: an in-process C# client shares the server's thread pool and
/// heap, and reading a step's 10 KB answers cost it far more than the server spent writing them.
/// </summary>
internal static partial class RestLoad
{
    public static async Task RunAsync(int concurrency, TimeSpan duration, bool durable = true)
    {
        if (!File.Exists("/usr/bin/wrk"))
        {
            Console.WriteLine("REST load: wrk not found (apt-get install wrk); skipped");
            BenchReport.Add("REST load", "skipped: wrk not installed (apt-get install wrk)", "runs", "—", false);
            return;
        }
        await using var server = await LoadServer.StartAsync(durable, endpoints: app =>
        {
            app.MapPost("/api/bench/noop", () => TypedResults.Ok(new { ok = true }));
            // Decomposition, not the contract: the same step through the session service (token, gate, engine, snapshot,
            // durable commit), answered with its stop reason and event count instead of the events and the snapshot.
            app.MapPost("/api/bench/lean-step/{id}", async (string id, HttpRequest request, LabService lab, CancellationToken ct) =>
            {
                var token = SessionToken.FromAuthorization(request.Headers.Authorization.ToString());
                var outcome = await lab.ExecuteAsync(id, token, new StepCommand(), ct);
                return outcome.Value is { } done ? Results.Ok(new { stop = done.Stop.ToString(), events = done.Events.Count }) : Results.StatusCode(409);
            });
        });
        var lab = server.Get<LabService>();
        var mode = durable ? "durable" : "asynchronous writes";
        Console.WriteLine($"REST load: wrk, {concurrency} connections, {duration.TotalSeconds:0} s per endpoint after 3 s warm-up, {mode}, server {server.Http}");

        var noop = await Wrk(server.Http, concurrency, duration, [("noop", ""), ("noop", "")], sendEvery: 0, sendSize: 0);
        Report("no-op POST", noop);
        BenchReport.Add($"REST no-op POST, wrk, {concurrency} connections (baseline)", $"{noop.Rate:N0} req/s, p50 {noop.P50:0.00} ms, p99 {noop.P99:0.00} ms");
        var fullCpu = 0.0;
        // Full-size segments: 8 MB queued per session, every call a step (the gRPC harness's workload). Small segments: a
        // 200-octet send every 4th call keeps short segments flowing, as an interactive lab does.
        foreach (var (name, queued, every, size) in new[] { ("8 MB queued, every call a step", 8 << 20, 0, 0), ("a 200-octet send every 4th call", 0, 4, 200) })
        {
            var sessions = new List<(string, string)>();
            for (var i = 0; i < concurrency; i++)
            {
                sessions.Add(await Established(lab, i, queued));
            }
            await server.SettleStoreAsync();
            var step = await Wrk(server.Http, concurrency, duration, sessions, every, size);
            Report($"step, {name} ({mode})", step);
            fullCpu = queued > 0 ? step.CpuUs : fullCpu;
            Console.WriteLine($"  {step.Store}");
            var (rate, p99) = (step.Rate / noop.Rate, step.P99 / noop.P99);
            BenchReport.Add($"REST step, {name}, wrk, {concurrency} connections, {mode}",
                $"{step.Rate:N0} req/s, p50 {step.P50:0.00} ms, p99 {step.P99:0.00} ms{(step.Failed > 0 ? $", {step.Failed} failed" : "")}",
                "≥ 60 % of no-op, p99 ≤ 1.5×", $"{rate:P0}, p99 {p99:0.00}×", rate >= 0.6 && p99 <= 1.5 && step.Failed == 0);
        }

        // Where a step's cost lies: the full-size workload again, answered without the contract's events and snapshot.
        var lean = new List<(string, string)>();
        for (var i = 0; i < concurrency; i++)
        {
            lean.Add(await Established(lab, concurrency + i, 8 << 20));
        }
        await server.SettleStoreAsync();
        var bare = await Wrk(server.Http, concurrency, duration, lean, 0, 0, "/api/bench/lean-step/%s");
        Report($"step without its answer, 8 MB queued ({mode})", bare);
        Console.WriteLine($"  {bare.Store}");
        BenchReport.Add($"decomposition: the same step answered without events and snapshot (not the contract), wrk, {concurrency} connections, {mode}",
            $"{bare.Rate:N0} req/s, p50 {bare.P50:0.00} ms, p99 {bare.P99:0.00} ms, server CPU {bare.CpuUs:0} µs per step (full answer {fullCpu:0}, no-op {noop.CpuUs:0})",
            "—", $"{bare.Rate / noop.Rate:P0}, p99 {bare.P99 / noop.P99:0.00}×");
    }

    /// <summary>An established pair with <paramref name="queued"/> octets waiting to be sent.</summary>
    private static async Task<(string Id, string Token)> Established(LabService lab, int i, int queued)
    {
        var created = (await lab.CreateAsync($"rest-{i}", new SessionConfig { Profile = "linux", Seed = (ulong)i + 1 }, null, "load", default)).Value!;
        var commands = new List<LabCommand>
        {
            new EndpointCommand(EndpointRole.Server, EndpointAction.Listen), new EndpointCommand(EndpointRole.Client, EndpointAction.Connect), new RunCommand(),
        };
        if (queued > 0)
        {
            commands.Add(new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[queued]));
        }
        foreach (var command in commands)
        {
            if ((await lab.ExecuteAsync(created.Host.Id, created.Token, command, default)).Error is { } error)
            {
                throw new InvalidOperationException(error.Message);
            }
        }
        return (created.Host.Id, created.Token);
    }

    /// <param name="CpuUs">The server process's CPU time per request, µs: robust to a busy machine, unlike the rate.</param>
    /// <param name="Store">The trace writer's commits and fold chunks during the measured window.</param>
    /// <param name="Gc">The server's allocation per request and its collections during the window (wrk runs outside it).</param>
    private sealed record Run(double Rate, double P50, double P99, long Requests, long Failed, double CpuUs, string Store, string Gc);

    private static void Report(string name, Run run) =>
        Console.WriteLine($"| {name} | {run.Rate:N0} req/s | p50 {run.P50:0.00} ms | p99 {run.P99:0.00} ms | {run.Requests:N0} requests, {run.Failed} failed | server CPU {run.CpuUs:0} µs per request | {run.Gc} |");

    // wrk runs one Lua state per thread: each thread takes every other session, so no two connections share a session.
    // Requests are formatted once; the script's done() prints the figures for this harness to read.
    private const string Script = """
        local sessions, i, n, every, noop = {}, 0, 0, 0, false
        local threads, count = {}, 0
        function setup(thread)
          thread:set("index", count)
          count = count + 1
          table.insert(threads, thread)
        end
        function init(args)
          every = tonumber(args[2])
          local body = '{"data":"' .. string.rep("x", tonumber(args[3])) .. '"}'
          local k = 0
          for line in io.lines(args[1]) do
            local id, token = line:match("^(%S+) ?(%S*)$")
            if k % tonumber(args[4]) == index then
              if id == "noop" then
                table.insert(sessions, { step = wrk.format("POST", "/api/bench/noop", { ["Content-Length"] = "0" }) })
              else
                local auth = "Bearer " .. token
                table.insert(sessions, {
                  step = wrk.format("POST", string.format(args[5], id), { ["Authorization"] = auth, ["Content-Length"] = "0" }),
                  send = wrk.format("POST", "/api/sessions/" .. id .. "/endpoints/client/send",
                    { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, body),
                  calls = 0,
                })
              end
            end
            k = k + 1
          end
        end
        function request()
          i = i % #sessions + 1
          local s = sessions[i]
          if every > 0 then
            s.calls = s.calls + 1
            if s.calls % every == 0 then return s.send end
          end
          return s.step
        end
        function done(summary, latency, requests)
          local failed = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
          io.write(string.format("CONNLAB %d %d %d %.1f %.1f\n", summary.requests, failed, summary.duration,
            latency:percentile(50), latency:percentile(99)))
        end
        """;

    [GeneratedRegex(@"^CONNLAB (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)$", RegexOptions.Multiline)]
    private static partial Regex Figures();

    private static async Task<Run> Wrk(string url, int connections, TimeSpan duration, List<(string Id, string Token)> sessions, int sendEvery, int sendSize,
        string stepRoute = "/api/sessions/%s/step")
    {
        var dir = Directory.CreateTempSubdirectory("connlab-wrk-");
        try
        {
            var script = Path.Combine(dir.FullName, "step.lua");
            var list = Path.Combine(dir.FullName, "sessions");
            await File.WriteAllTextAsync(script, Script);
            await File.WriteAllLinesAsync(list, sessions.Select(s => $"{s.Id} {s.Token}".TrimEnd()));
            const int threads = 2;
            async Task<string> Once(TimeSpan length)
            {
                var start = new ProcessStartInfo("/usr/bin/wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var arg in new[]
                         {
                             "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                             "-d", $"{(int)length.TotalSeconds}s", "--timeout", "10s", "-s", script, url, "--",
                             list, sendEvery.ToString(CultureInfo.InvariantCulture), sendSize.ToString(CultureInfo.InvariantCulture),
                             threads.ToString(CultureInfo.InvariantCulture), stepRoute,
                         })
                {
                    start.ArgumentList.Add(arg);
                }
                using var wrk = Process.Start(start)!;
                var output = await wrk.StandardOutput.ReadToEndAsync();
                var error = await wrk.StandardError.ReadToEndAsync();
                await wrk.WaitForExitAsync();
                return wrk.ExitCode == 0 ? output : throw new InvalidOperationException($"wrk failed ({wrk.ExitCode}): {output}{error}");
            }
            await Once(TimeSpan.FromSeconds(3)); // warm-up: tiered JIT, connection set-up, the writer's statements
            Console.WriteLine($"  measuring {sessions[0].Id} … for {duration.TotalSeconds:0} s");
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var gc = GcWindow.Start();
            string output;
            string store;
            using (var probe = new StoreProbe())
            {
                output = await Once(duration);
                store = probe.Summary();
            }
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var gcSummary = gc.Summary();
            var m = Figures().Match(output);
            if (!m.Success)
            {
                throw new InvalidOperationException($"wrk: no figures in {output}");
            }
            double Number(int group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
            var requests = (long)Number(1);
            return new Run(requests / (Number(3) / 1e6), Number(4) / 1000, Number(5) / 1000, requests, (long)Number(2), cpu.TotalMicroseconds / requests, store,
                gcSummary.PerRequest(requests));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
