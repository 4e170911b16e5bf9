using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Time;

namespace ConnLab.Engine.Net;

/// <summary>
/// The simulated wire between the hosts: every segment in flight with its arrival time, and the seeded impairments
/// (loss, delay, jitter, duplication, reordering) decided once, when the segment is sent.
/// </summary>
internal sealed class Link
{
    private readonly Dictionary<long, InFlight> _inFlight = [];
    private readonly Agenda _agenda;
    private readonly SeededRandom _random;
    private readonly long _delayUs;
    private readonly uint _jitterUs;
    private readonly double _loss, _duplicate, _reorder;

    public Link(LinkConfig config, Agenda agenda, SeededRandom random)
    {
        _agenda = agenda;
        _random = random;
        _delayUs = (long)Math.Round(config.DelayMs * 1000);
        _jitterUs = (uint)Math.Round(config.JitterMs * 1000);
        _loss = config.LossRate;
        _duplicate = config.DuplicateRate;
        _reorder = config.ReorderRate;
    }

    /// <summary>A segment on the wire. A segment the link will lose stays in flight until its arrival time, then vanishes.</summary>
    public readonly record struct InFlight(Segment Segment, long DeliverAtUs, bool Lost);

    /// <summary>What the link decided for a new segment.</summary>
    public readonly record struct Decision(long DeliverAtUs, bool Lost, bool Duplicate);

    public int Count => _inFlight.Count;

    /// <summary>The base one-way delay, µs.</summary>
    public long DelayUs => _delayUs;

    /// <summary>Sends a segment, drawing its impairments from the seeded generator (unless <paramref name="impair"/> is false).</summary>
    public Decision Send(Segment segment, long nowUs, bool impair)
    {
        var delay = _delayUs;
        bool lost = false, duplicate = false;
        if (impair)
        {
            // A fixed order of draws, each only when its rate is non-zero, keeps a session's randomness stable.
            if (_loss > 0)
            {
                lost = _random.Chance(_loss);
            }
            if (_jitterUs > 0)
            {
                delay += _random.NextUInt32(_jitterUs);
            }
            if (_reorder > 0 && _random.Chance(_reorder))
            {
                delay += Math.Max(_delayUs, 1000); // held back a whole delay, so the next segment overtakes it
            }
            if (_duplicate > 0)
            {
                duplicate = _random.Chance(_duplicate);
            }
        }
        var due = nowUs + delay;
        Put(segment, due, lost);
        return new Decision(due, lost, duplicate);
    }

    /// <summary>Puts a segment in flight to arrive at exactly <paramref name="dueUs"/>.</summary>
    public void Put(Segment segment, long dueUs, bool lost = false)
    {
        _inFlight[segment.Id] = new InFlight(segment, dueUs, lost);
        _agenda.Schedule(dueUs, AgendaKind.Delivery, segment, 0);
    }

    /// <summary>True if an agenda entry still stands for an in-flight segment (not dropped or rescheduled).</summary>
    public bool IsLive(in AgendaEntry entry) =>
        _inFlight.TryGetValue(((Segment)entry.Target).Id, out var f) && f.DeliverAtUs == entry.DueUs;

    public InFlight Take(long id)
    {
        _inFlight.Remove(id, out var f);
        return f;
    }

    public bool TryGet(long id, out InFlight inFlight) => _inFlight.TryGetValue(id, out inFlight);

    public bool Remove(long id) => _inFlight.Remove(id);

    /// <summary>Moves a segment's arrival later; the old agenda entry goes stale.</summary>
    public long Delay(long id, long extraUs)
    {
        var f = _inFlight[id];
        var due = f.DeliverAtUs + extraUs;
        _inFlight[id] = f with { DeliverAtUs = due };
        _agenda.Schedule(due, AgendaKind.Delivery, f.Segment, 0);
        return due;
    }

    /// <summary>The <paramref name="max"/> earliest segments in flight, earliest arrival first.</summary>
    /// <remarks>
    /// Every answer carries this list (~45 segments during a bulk transfer), so it is sorted by a 128-bit key (arrival,
    /// then id) that the sort compares inline, not through a comparison delegate. The order is total: any sort gives
    /// the same list.
    /// </remarks>
    public InFlight[] Snapshot(int max)
    {
        if (_inFlight.Count <= max)
        {
            var all = new InFlight[_inFlight.Count];
            _inFlight.Values.CopyTo(all, 0);
            Span<Int128> keys = all.Length <= 256 ? stackalloc Int128[all.Length] : new Int128[all.Length];
            for (var i = 0; i < all.Length; i++)
            {
                keys[i] = OrderKey(all[i]);
            }
            keys.Sort(all.AsSpan());
            return all;
        }
        // A flood keeps tens of thousands in flight: select the earliest without sorting them all (a max-heap of the
        // max earliest so far, its root the latest of them).
        var heap = new PriorityQueue<InFlight, InFlight>(max + 1, Comparer<InFlight>.Create(static (a, b) => Earliest(b, a)));
        foreach (var f in _inFlight.Values)
        {
            if (heap.Count < max)
            {
                heap.Enqueue(f, f);
            }
            else if (Earliest(f, heap.Peek()) < 0)
            {
                heap.EnqueueDequeue(f, f);
            }
        }
        var list = new InFlight[heap.Count];
        for (var i = list.Length - 1; heap.TryDequeue(out var f, out _); i--)
        {
            list[i] = f;
        }
        return list;
    }

    private static int Earliest(InFlight a, InFlight b) => OrderKey(a).CompareTo(OrderKey(b));

    /// <summary>The snapshot's order as one number: arrival time, then id (both non-negative, so unsigned halves compare right).</summary>
    private static Int128 OrderKey(InFlight f) => ((Int128)f.DeliverAtUs << 64) | (ulong)f.Segment.Id;
}
