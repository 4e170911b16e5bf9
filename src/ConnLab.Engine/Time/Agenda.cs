namespace ConnLab.Engine.Time;

/// <summary>What an agenda entry stands for.</summary>
internal enum AgendaKind : byte
{
    /// <summary>An in-flight segment reaches its destination.</summary>
    Delivery,
    /// <summary>A connection's timer expires.</summary>
    Timer,
}

/// <summary>One scheduled thing. <see cref="Target"/> is the in-flight record or the connection; <see cref="Tag"/> its timer kind and generation.</summary>
internal readonly record struct AgendaEntry(long DueUs, long Order, AgendaKind Kind, object Target, int Tag);

/// <summary>
/// The virtual clock's queue of everything scheduled: segment arrivals and timer expiries in one order, the earliest
/// first and ties broken by insertion order, so a session steps the same way every time.
/// </summary>
/// <remarks>
/// A binary min-heap of structs. Cancelled timers are not removed; their entries go stale (the owner's generation
/// moved on) and are skipped when they surface, which keeps cancel and re-arm O(1).
/// </remarks>
internal sealed class Agenda
{
    private AgendaEntry[] _heap = new AgendaEntry[8];
    private long _nextOrder;

    public int Count { get; private set; }

    public void Schedule(long dueUs, AgendaKind kind, object target, int tag)
    {
        if (Count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }
        var entry = new AgendaEntry(dueUs, _nextOrder++, kind, target, tag);
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Less(entry, _heap[parent]))
            {
                break;
            }
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = entry;
    }

    public bool TryPeek(out AgendaEntry entry)
    {
        if (Count == 0)
        {
            entry = default;
            return false;
        }
        entry = _heap[0];
        return true;
    }

    public AgendaEntry Pop()
    {
        var top = _heap[0];
        var last = _heap[--Count];
        _heap[Count] = default;
        if (Count > 0)
        {
            var i = 0;
            while (true)
            {
                var child = (2 * i) + 1;
                if (child >= Count)
                {
                    break;
                }
                if (child + 1 < Count && Less(_heap[child + 1], _heap[child]))
                {
                    child++;
                }
                if (!Less(_heap[child], last))
                {
                    break;
                }
                _heap[i] = _heap[child];
                i = child;
            }
            _heap[i] = last;
        }
        return top;
    }

    private static bool Less(in AgendaEntry a, in AgendaEntry b) =>
        a.DueUs < b.DueUs || (a.DueUs == b.DueUs && a.Order < b.Order);
}
