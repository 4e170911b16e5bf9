using ConnLab.Engine.Net;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Time;

namespace ConnLab.Engine.Lab;

/// <summary>
/// The simulated world of one session: the virtual clock and its agenda, the link, both hosts' TCP stacks and the
/// trace. It is the only implementation of <see cref="ITcpEffects"/>: the one door between TCP code and the world.
/// </summary>
internal sealed partial class Simulation : ITcpEffects
{
    private readonly List<LabEvent> _events = [];
    private readonly Agenda _agenda = new();
    private readonly SipHash _isnKey;
    private readonly SipHash _cookieKey;
    private readonly SeededRandom _floodRandom;
    private long _nextSegmentId = 1;
    private int _shortTimers;

    public Simulation(ResolvedConfig config)
    {
        Config = config;
        Profile = config.Profile;
        Limits = config.Source.Limits;
        var seed = config.Source.Seed;
        _isnKey = SipHash.FromSeed(seed, 1);
        _cookieKey = SipHash.FromSeed(seed, 2);
        _floodRandom = new SeededRandom(seed ^ 0x5EED_F100DUL);
        Link = new Link(config.Source.Link, _agenda, new SeededRandom(seed));
        Client = new TcpStack(this, "client", config.Client, config.Server, config.Source.Client);
        Server = new TcpStack(this, "server", config.Server, config.Client, config.Source.Server);
    }

    public ResolvedConfig Config { get; }
    public TcpProfile Profile { get; }
    public LabLimits Limits { get; }
    public Link Link { get; }
    public TcpStack Client { get; }
    public TcpStack Server { get; }
    public long NowUs { get; private set; }
    public long Step { get; private set; }
    public List<LabEvent> Events => _events;

    /// <summary>No segment in flight and no retransmission, delayed-ACK or persist timer running (architecture §2).</summary>
    public bool IsIdle => Link.Count == 0 && _shortTimers == 0;

    public TcpStack StackFor(EndpointRole role) => role == EndpointRole.Client ? Client : Server;

    // ---- ITcpEffects ------------------------------------------------------------------------------------------

    public Segment Transmit(string endpoint, in SegmentSpec spec, Rule rule)
    {
        var segment = new Segment
        {
            Id = _nextSegmentId++,
            Source = spec.Source,
            Destination = spec.Destination,
            Seq = spec.Seq,
            Ack = spec.Ack,
            Flags = spec.Flags,
            Window = spec.Window,
            UrgentPointer = spec.UrgentPointer,
            Mss = spec.Mss,
            Payload = spec.Payload,
            Origin = spec.Origin,
        };
        var decision = Link.Send(segment, NowUs, impair: spec.Origin != SegmentOrigin.Injected);
        Record(EventKind.SegmentSent, endpoint, rule, segment, dueUs: decision.DeliverAtUs);
        if (decision.Duplicate)
        {
            Duplicate(segment, decision.DeliverAtUs, Rule.LinkDuplicated);
        }
        return segment;
    }

    /// <summary>A second copy of <paramref name="original"/>, arriving shortly after it.</summary>
    public Segment Duplicate(Segment original, long originalDueUs, Rule rule)
    {
        var copy = original with { Id = _nextSegmentId++, Origin = SegmentOrigin.Duplicate, DuplicateOf = original.Id };
        var due = originalDueUs + DuplicateGapUs;
        Link.Put(copy, due);
        Record(EventKind.SegmentDuplicated, "link", rule, copy, dueUs: due);
        return copy;
    }

    // Copies of a segment arrive a tenth of the link delay apart (at least 100 µs): close, but in a definite order.
    private long DuplicateGapUs => Math.Max(Link.DelayUs / 10, 100);

    public void ScheduleTimer(Connection connection, long dueUs, int tag) =>
        _agenda.Schedule(dueUs, AgendaKind.Timer, connection, tag);

    public void ShortTimerCountChanged(int delta) => _shortTimers += delta;

    public void Record(EventKind kind, string endpoint, Rule rule, Segment? segment = null, TcpState? from = null,
        TcpState? to = null, TimerKind? timer = null, long dueUs = 0, long value = 0, ReadOnlyMemory<byte> data = default) =>
        _events.Add(new LabEvent
        {
            Index = _events.Count,
            Step = Step,
            TimeUs = NowUs,
            Kind = kind,
            Endpoint = endpoint,
            Segment = segment,
            From = from,
            To = to,
            Timer = timer,
            DueUs = dueUs,
            Value = value,
            Data = data,
            Rule = rule,
        });

    /// <summary>
    /// RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a clock ticking every 4 µs
    /// (virtual), F a keyed hash (SipHash, as Linux secure_tcp_seq) whose key comes from the session seed.
    /// </summary>
    public SeqNum ChooseIss(IpPort local, IpPort remote)
    {
        var f = _isnKey.Hash(Pack(local), Pack(remote));
        return new SeqNum(unchecked((uint)f + (uint)(NowUs / 4)));
    }

    public uint CookieHash(IpPort local, IpPort remote, uint count, int which) =>
        (uint)_cookieKey.Hash(Pack(local), Pack(remote), ((ulong)count << 8) | (uint)which);

    private static ulong Pack(IpPort p) => ((ulong)p.Address << 16) | p.Port;

    // ---- Stepping ---------------------------------------------------------------------------------------------

    /// <summary>The next live agenda entry's time, discarding stale entries on the way; null when nothing is scheduled.</summary>
    public long? NextDueUs
    {
        get
        {
            while (_agenda.TryPeek(out var entry))
            {
                if (IsLive(entry))
                {
                    return entry.DueUs;
                }
                _agenda.Pop();
            }
            return null;
        }
    }

    /// <summary>Processes exactly one scheduled thing, the earliest (architecture §2). False if nothing is scheduled.</summary>
    public bool StepOnce()
    {
        if (NextDueUs is null)
        {
            return false;
        }
        var entry = _agenda.Pop();
        NowUs = Math.Max(NowUs, entry.DueUs);
        Step++;
        if (entry.Kind == AgendaKind.Delivery)
        {
            Deliver(Link.Take(((Segment)entry.Target).Id));
        }
        else
        {
            ((Connection)entry.Target).OnTimer(entry.Tag);
        }
        return true;
    }

    private bool IsLive(in AgendaEntry entry) => entry.Kind == AgendaKind.Delivery
        ? Link.IsLive(entry)
        : ((Connection)entry.Target).IsCurrent(entry.Tag);

    private void Deliver(Link.InFlight inFlight)
    {
        var segment = inFlight.Segment;
        if (inFlight.Lost)
        {
            Record(EventKind.SegmentDropped, "link", Rule.LinkLoss, segment);
            return;
        }
        var stack = segment.Destination.Address == Client.Primary.Address ? Client
            : segment.Destination.Address == Server.Primary.Address ? Server
            : null;
        if (stack is null)
        {
            Record(EventKind.SegmentDropped, "link", Rule.NoSuchHost, segment);
            return;
        }
        stack.Deliver(segment);
    }

    /// <summary>Moves the clock to <paramref name="targetUs"/> after processing everything due by then, within a step budget.</summary>
    public long AdvanceTo(long targetUs, long maxSteps, out bool complete)
    {
        long steps = 0;
        while (NextDueUs is { } due && due <= targetUs)
        {
            if (steps >= maxSteps)
            {
                complete = false;
                return steps;
            }
            StepOnce();
            steps++;
        }
        NowUs = Math.Max(NowUs, targetUs);
        complete = true;
        return steps;
    }

    /// <summary>Sets the clock after replaying a completed advance.</summary>
    public void SetClock(long nowUs) => NowUs = Math.Max(NowUs, nowUs);

    public void TruncateEvents(int count)
    {
        if (_events.Count > count)
        {
            _events.RemoveRange(count, _events.Count - count);
        }
    }
}
