using BenchmarkDotNet.Attributes;
using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Bench;

/// <summary>Whole lessons and the replay that recovery, rewind and fork rest on.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class LessonBenchmarks
{
    private LabSession _recorded = null!;

    /// <summary>Profile.</summary>
    [Params("rfc9293", "linux")]
    public string Profile { get; set; } = "rfc9293";

    /// <summary>Records the 10,000-event session replayed below.</summary>
    [GlobalSetup]
    public void Setup() => _recorded = Workloads.Lossy(10_000);

    /// <summary>Handshake + 10 KB + teardown, until idle.</summary>
    [Benchmark]
    public long HandshakeTransferTeardown() => Workloads.HandshakeTransferTeardown(Profile).Events.Count;

    /// <summary>Rebuilds a ~10,000-event lossy session from its command log (what restart recovery does).</summary>
    [Benchmark]
    public long Replay10kEvents()
    {
        LabSession.TryReplay(_recorded.Config, _recorded.Commands, null, out var replayed);
        return replayed!.Events.Count;
    }
}

/// <summary>100,000 spoofed SYNs at a listener with backlog 128.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class SynFloodBenchmarks
{
    /// <summary>SYN cookies on or off.</summary>
    [Params(false, true)]
    public bool SynCookies { get; set; }

    /// <summary>Sends the flood and delivers every SYN (and every SYN-ACK to its unreachable spoofed source).</summary>
    [Benchmark]
    public long Flood100k()
    {
        var s = LabSession.Create(new SessionConfig
        {
            Profile = "linux",
            Server = EndpointConfig.DefaultServer with { Backlog = 128, SynCookies = SynCookies },
        });
        s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        s.Execute(new SynFloodCommand(100_000));
        s.Execute(new AdvanceCommand(100)); // every SYN arrives (10 ms link) and every answer leaves; timers stay armed
        return s.Events.Count;
    }
}
