using BenchmarkDotNet.Attributes;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Bench;

/// <summary>
/// Segment deliveries per second: an 8 MB bulk transfer through the full engine (TCP rules, timers, event records
/// with their explanations available), beside a bare loop that moves the same segments through a timer queue and
/// touches their header fields — the floor any simulator of these segments pays. The ratio is the engine's cost.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class DeliveryBenchmarks
{
    private const int Octets = 8 << 20;
    private Segment[] _segments = [];

    /// <summary>Profile.</summary>
    [Params("rfc9293", "linux")]
    public string Profile { get; set; } = "rfc9293";

    /// <summary>Segments delivered by one transfer (to turn time per op into deliveries per second).</summary>
    public int Deliveries => _segments.Length;

    /// <summary>Records the transfer's delivered segments for the baseline.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var s = Workloads.Bulk(Profile, Octets);
        _segments = s.Events.Where(e => e.Kind == EventKind.SegmentDelivered).Select(e => e.Segment!).ToArray();
        Console.WriteLine($"// {Profile}: {_segments.Length} deliveries, {s.Events.Count} events per transfer");
    }

    /// <summary>The bare loop: the same segments through a priority queue keyed by arrival time, fields read.</summary>
    [Benchmark(Baseline = true)]
    public long BareLoop()
    {
        var queue = new PriorityQueue<Segment, long>(64);
        long check = 0;
        long due = 0;
        foreach (var segment in _segments)
        {
            queue.Enqueue(segment, due += 10);
            if (queue.Count > 32)
            {
                var s = queue.Dequeue();
                check += s.Seq.Value ^ s.Ack.Value ^ (uint)s.Flags ^ s.Window ^ (uint)s.Payload.Length;
            }
        }
        while (queue.TryDequeue(out var s, out _))
        {
            check += s.Seq.Value ^ s.Ack.Value;
        }
        return check;
    }

    /// <summary>The engine: handshake, 8 MB and every ACK, until idle.</summary>
    [Benchmark]
    public long Engine() => Workloads.Bulk(Profile, Octets).Events.Count;
}
