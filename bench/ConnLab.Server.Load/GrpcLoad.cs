using ConnLab.Bench;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ConnLab.Engine.Lab;
using ConnLab.Server.Sessions;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Rpc = ConnLab.Contracts.V1;

namespace ConnLab.Server.Load;

/// <summary>The cheapest unary call and server stream, for the same server to answer beside LabControl.</summary>
internal sealed class BenchService(LabService lab) : V1.Bench.BenchBase
{
    private static readonly V1.NoopReply Reply = new();

    public override async Task<V1.NoopReply> LeanStep(V1.NoopRequest request, ServerCallContext context)
    {
        var token = SessionToken.FromAuthorization(context.RequestHeaders.GetValue("authorization"));
        var outcome = await lab.ExecuteAsync(request.SessionId, token, new StepCommand(Math.Max(1, request.Count)), context.CancellationToken);
        return outcome.Value is { } done
            ? new V1.NoopReply { Index = done.Events.Count, Kind = done.Stop.ToString() }
            : throw new RpcException(new Status(StatusCode.FailedPrecondition, outcome.Error!.Message));
    }

    public override Task<V1.NoopReply> Noop(V1.NoopRequest request, ServerCallContext context) => Task.FromResult(Reply);

    public override async Task NoopStream(V1.NoopStreamRequest request, IServerStreamWriter<V1.NoopReply> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            await responseStream.WriteAsync(new V1.NoopReply { Index = i, Kind = "segment-sent" }, context.CancellationToken);
        }
    }
}

/// <summary>
/// gRPC <c>Step</c> beside a no-op unary RPC on the same server, driven by h2load (one process per stream, each on its own
/// session, since h2load sends one body), and WatchSession beside a no-op server stream.
/// </summary>
internal static partial class GrpcLoad
{
    public static async Task RunAsync(int streams, TimeSpan duration, bool durable = true)
    {
        if (!File.Exists("/usr/bin/h2load"))
        {
            Console.WriteLine("gRPC load: h2load not found (apt-get install nghttp2-client); skipped");
            return;
        }
        await using var server = await LoadServer.StartAsync(durable,
            b => b.Services.AddSingleton<BenchService>(), app => app.MapGrpcService<BenchService>());
        var lab = server.Get<LabService>();
        Console.WriteLine($"gRPC load: h2load, {streams} streams (one process and one session each), {duration.TotalSeconds:0} s after 3 s warm-up, durable writes, server {server.Grpc}");

        var sessions = new List<(string Id, string Token)>();
        for (var i = 0; i < streams; i++)
        {
            var created = (await lab.CreateAsync($"load-{i}", new SessionConfig { Profile = "linux", Seed = (ulong)i + 1 }, null, "load", default)).Value!;
            var id = created.Host.Id;
            // An established pair with 8 MB queued: every step delivers a data segment or an ACK for the whole run.
            foreach (var command in new LabCommand[]
                     {
                         new EndpointCommand(EndpointRole.Server, EndpointAction.Listen), new EndpointCommand(EndpointRole.Client, EndpointAction.Connect),
                         new RunCommand(), new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[8 << 20]),
                     })
            {
                if ((await lab.ExecuteAsync(id, created.Token, command, default)).Error is { } error)
                {
                    throw new InvalidOperationException(error.Message);
                }
            }
            sessions.Add((id, created.Token));
        }
        await server.SettleStoreAsync();
        long Steps() => sessions.Sum(s => lab.Find(s.Id)!.Session.Snapshot().Step);
        long Events() => sessions.Sum(s => lab.Find(s.Id)!.Session.Events.Count);

        var noop = await H2Load(server.Grpc + "/connlab.bench.v1.Bench/Noop", duration,
            sessions.Select(s => (new V1.NoopRequest { SessionId = s.Id, Count = 1 }.ToByteArray(), s.Token)).ToList());
        Report("no-op unary", noop);
        var (steps0, events0) = (Steps(), Events());
        var step = await H2Load(server.Grpc + "/connlab.v1.LabControl/Step", duration,
            sessions.Select(s => (new Rpc.StepRequest { SessionId = s.Id, Count = 1 }.ToByteArray(), s.Token)).ToList());
        Report("Step (durable)", step);
        var (steps, events) = (Steps() - steps0, Events() - events0);
        var lean = await H2Load(server.Grpc + "/connlab.bench.v1.Bench/LeanStep", duration,
            sessions.Select(s => (new V1.NoopRequest { SessionId = s.Id, Count = 1 }.ToByteArray(), s.Token)).ToList());
        Report("Step's work without its answer (durable)", lean);
        var idle = sessions.Count(s => lab.Find(s.Id)!.Session.IsIdle);
        Console.WriteLine($"| steps executed by the server (incl. warm-up) | {steps:N0}, {events:N0} events persisted ({(double)events / steps:0.0} per step); {idle} sessions ran dry |");
        BenchReport.Add("gRPC no-op unary, h2load, 64 streams (baseline)", $"{noop.Rate:N0} req/s, p50 {noop.P50:0.00} ms, p99 {noop.P99:0.00} ms");
        BenchReport.Add($"gRPC Step, h2load, 64 streams, {(durable ? "durable" : "asynchronous writes")}", $"{step.Rate:N0} req/s, p50 {step.P50:0.00} ms, p99 {step.P99:0.00} ms",
            "≥ 70 % of no-op, p99 ≤ 1.5×", $"{step.Rate / noop.Rate:P0}, p99 {step.P99 / noop.P99:0.00}×", step.Rate / noop.Rate >= 0.7 && step.P99 / noop.P99 <= 1.5);
        BenchReport.Add($"decomposition: the same step answered without events and session (not the contract), h2load, 64 streams, {(durable ? "durable" : "asynchronous writes")}",
            $"{lean.Rate:N0} req/s, p50 {lean.P50:0.00} ms, p99 {lean.P99:0.00} ms, server CPU {lean.CpuUs:0} µs per step (Step {step.CpuUs:0}, no-op {noop.CpuUs:0})",
            "—", $"{lean.Rate / noop.Rate:P0}, p99 {lean.P99 / noop.P99:0.00}×");

        await WatchAsync(server, lab);
    }

    /// <param name="CpuUs">The server process's CPU time per measured request, µs (h2load runs in processes of its own).</param>
    /// <param name="Gc">The server's allocation per request and its collections during the measured window.</param>
    private sealed record Run(double Rate, double P50, double P99, long Requests, long Failed, double CpuUs, string Gc);

    private static void Report(string name, Run run) =>
        Console.WriteLine($"| {name} | {run.Rate:N0} req/s | p50 {run.P50:0.00} ms | p99 {run.P99:0.00} ms | {run.Requests:N0} requests, {run.Failed} failed | server CPU {run.CpuUs:0} µs per request | {run.Gc} |");

    private static async Task<Run> H2Load(string url, TimeSpan duration, List<(byte[] Body, string Token)> streams)
    {
        var dir = Directory.CreateTempSubdirectory("connlab-h2load-");
        try
        {
            var processes = streams.Select((s, i) =>
            {
                var body = Path.Combine(dir.FullName, $"body-{i}");
                var frame = new byte[5 + s.Body.Length]; // gRPC length-prefixed message, uncompressed
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)s.Body.Length);
                s.Body.CopyTo(frame, 5);
                File.WriteAllBytes(body, frame);
                var start = new ProcessStartInfo("/usr/bin/h2load")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                foreach (var arg in new[]
                         {
                             "-c", "1", "-m", "1", "-D", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), "--warm-up-time=3",
                             "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers", "-H", $"authorization: Bearer {s.Token}",
                             $"--log-file={body}.log", url,
                         })
                {
                    start.ArgumentList.Add(arg);
                }
                return (Process: Process.Start(start)!, Log: body + ".log");
            }).ToList();
            // h2load logs only the requests after its warm-up: the server's CPU is measured over the same window.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var gc = GcWindow.Start();
            long requests = 0, failed = 0;
            foreach (var (process, _) in processes)
            {
                var output = await process.StandardOutput.ReadToEndAsync();
                await process.WaitForExitAsync();
                var m = RequestsLine().Match(output);
                if (!m.Success)
                {
                    throw new InvalidOperationException($"h2load: {output}{await process.StandardError.ReadToEndAsync()}");
                }
                requests += long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                failed += long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
                process.Dispose();
            }
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var gcSummary = gc.Summary();
            // Each log line: start time, HTTP status, duration in µs (warm-up requests are not logged).
            var latencies = processes.SelectMany(p => File.ReadLines(p.Log))
                .Select(line => line.Split('\t'))
                .Where(f => f.Length >= 3)
                .Select(f => double.Parse(f[2], CultureInfo.InvariantCulture) / 1000.0)
                .Order()
                .ToArray();
            double Percentile(double p) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p / 100 * latencies.Length) - 1)];
            var measured = Math.Max(1, latencies.Length);
            return new Run(latencies.Length / duration.TotalSeconds, Percentile(50), Percentile(99), requests, failed, cpu.TotalMicroseconds / measured,
                gcSummary.PerRequest(measured));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored")]
    private static partial Regex RequestsLine();

    /// <summary>WatchSession replaying a long trace to one watcher, beside a no-op stream of as many small messages.</summary>
    internal static async Task WatchAsync(LoadServer server, LabService lab)
    {
        var created = (await lab.CreateAsync("watch", new SessionConfig { Profile = "linux" }, "handshake", "load", default)).Value!;
        var id = created.Host.Id;
        await lab.ExecuteAsync(id, created.Token, new RunCommand(), default);
        while (lab.Find(id)!.Session.Events.Count < 100_000)
        {
            await lab.ExecuteAsync(id, created.Token, new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[60_000]), default);
            await lab.ExecuteAsync(id, created.Token, new RunCommand(MaxSteps: 100_000), default);
        }
        var count = lab.Find(id)!.Session.Events.Count;
        using var channel = GrpcChannel.ForAddress(server.Grpc);
        var bench = new V1.Bench.BenchClient(channel);
        var control = new Rpc.LabControl.LabControlClient(channel);

        async Task<double> Noop()
        {
            var clock = Stopwatch.StartNew();
            using var call = bench.NoopStream(new V1.NoopStreamRequest { Count = count });
            var n = 0;
            while (await call.ResponseStream.MoveNext(default))
            {
                n++;
            }
            return n / clock.Elapsed.TotalSeconds;
        }
        async Task<double> Watch()
        {
            var clock = Stopwatch.StartNew();
            using var cts = new CancellationTokenSource();
            using var call = control.WatchSession(new Rpc.WatchRequest { SessionId = id, FromIndex = 0 }, cancellationToken: cts.Token);
            var n = 0;
            while (n < count && await call.ResponseStream.MoveNext(default))
            {
                n++;
            }
            var rate = n / clock.Elapsed.TotalSeconds;
            await cts.CancelAsync();
            return rate;
        }
        await Noop(); // warm-up: JIT and connection
        await Watch();
        // Alternated three times, best of each: a shared machine's bursts hit one side or the other.
        double noop = 0, watch = 0;
        for (var i = 0; i < 3; i++)
        {
            noop = Math.Max(noop, await Noop());
            watch = Math.Max(watch, await Watch());
        }
        Console.WriteLine($"| no-op server stream, {count:N0} small messages | {noop:N0} msgs/s |");
        Console.WriteLine($"| WatchSession, {count:N0}-event trace to one watcher | {watch:N0} events/s |");
        BenchReport.Add($"gRPC no-op server stream, {count:N0} small messages (baseline)", $"{noop:N0} msgs/s");
        BenchReport.Add($"gRPC WatchSession, {count:N0}-event trace, one watcher", $"{watch:N0} events/s", "≥ 50 % of no-op stream", $"{watch / noop:P0}", watch / noop >= 0.5);
    }
}
