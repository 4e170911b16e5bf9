using BenchmarkDotNet.Running;
using ConnLab.Bench;
using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Bench;

/// <summary><c>bench/run</c>'s engine rows: every benchmark, then the figures with their targets and baselines.</summary>
internal static class Report
{
    public static void Run()
    {
        var summaries = BenchmarkRunner.Run([typeof(DeliveryBenchmarks), typeof(LessonBenchmarks), typeof(SynFloodBenchmarks)]);
        double Mean(string method, string? parameter = null) => summaries.SelectMany(s => s.Reports)
            .Where(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method
                && (parameter is null || r.BenchmarkCase.Parameters.PrintInfo.Contains(parameter, StringComparison.Ordinal)))
            .Select(r => r.ResultStatistics?.Mean ?? double.NaN)
            .First();
        foreach (var profile in new[] { "linux", "rfc9293" })
        {
            var deliveries = Workloads.Bulk(profile, 8 << 20).Events.Count(e => e.Kind == EventKind.SegmentDelivered);
            var engine = Mean(nameof(DeliveryBenchmarks.Engine), $"Profile={profile}");
            var bare = Mean(nameof(DeliveryBenchmarks.BareLoop), $"Profile={profile}");
            var rate = deliveries / (engine / 1e9);
            BenchReport.Add($"engine deliveries per second, 8 MB transfer, `{profile}`", $"{rate / 1e6:0.00} M/s ({deliveries:N0} in {engine / 1e6:0.00} ms)",
                "≥ 1 M/s per core", $"{engine / bare:0}× the bare loop ({bare / 1e6:0.00} ms)", rate >= 1e6);
        }
        BenchReport.Add("handshake + 10 KB + teardown, `linux`", $"{Mean(nameof(LessonBenchmarks.HandshakeTransferTeardown), "Profile=linux") / 1000:0.0} µs");
        BenchReport.Add("replay of a 10,000-event session", $"{Mean(nameof(LessonBenchmarks.Replay10kEvents), "Profile=linux") / 1e6:0.00} ms");
        foreach (var cookies in new[] { false, true })
        {
            var ms = Mean(nameof(SynFloodBenchmarks.Flood100k), $"SynCookies={cookies}") / 1e6;
            BenchReport.Add($"100,000-SYN flood, backlog 128, cookies {(cookies ? "on" : "off")}", $"{ms:0} ms", "< 500 ms", "—", ms < 500);
        }
        var bytes = MemoryFootprint.Run(10_000);
        BenchReport.Add("10,000 idle established pairs, retained", $"{bytes / 1048576.0:0} MB ({bytes / 10_000:N0} B per pair)", "< 100 MB", "—", bytes < 100L << 20);
    }
}
