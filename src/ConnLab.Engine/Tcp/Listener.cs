using ConnLab.Engine.Lab;
using ConnLab.Engine.Net;

namespace ConnLab.Engine.Tcp;

/// <summary>
/// A listening socket with its SYN (half-open) queue and accept queue, as BSD-socket stacks build them: the listener
/// stays in LISTEN and each SYN gets its own child connection (RFC 9293 §3.10.7.2 in the "fork" form every real
/// stack uses).
/// </summary>
internal sealed class Listener
{
    private readonly ITcpEffects _env;
    private readonly TcpProfile _p;
    private readonly List<Connection> _synQueue = [];
    private readonly List<Connection> _acceptQueue = [];
    private int _young;                       // half-open entries whose SYN-ACK has not timed out yet
    private long _lastOverflowUs = long.MinValue;

    public Listener(TcpStack stack, IpPort local, string name, int backlog, bool synCookies, bool autoAccept)
    {
        Stack = stack;
        _env = stack.Env;
        _p = _env.Profile;
        Local = local;
        Name = name;
        Backlog = Math.Min(backlog, _p.MaxBacklog); // Linux clamps to somaxconn
        SynCookies = synCookies;
        AutoAccept = autoAccept;
    }

    public TcpStack Stack { get; }
    public IpPort Local { get; }
    public string Name { get; }
    public int Backlog { get; }
    public bool SynCookies { get; }
    public bool AutoAccept { get; }
    public int SynQueueCount => _synQueue.Count;
    public int AcceptQueueCount => _acceptQueue.Count;
    public int SynQueueLimit => Backlog + _p.SynQueueSlack;
    public int AcceptQueueLimit => Backlog + _p.AcceptQueueSlack;
    public long CookiesSent { get; private set; }
    public long SynQueueDrops { get; private set; }
    public long AcceptQueueDrops { get; private set; }
    public IReadOnlyList<Connection> SynQueue => _synQueue;
    public IReadOnlyList<Connection> AcceptQueue => _acceptQueue;

    // Linux inet_csk_reqsk_queue_is_full (qlen > backlog) and sk_acceptq_is_full (ack_backlog > backlog).
    private bool SynQueueFull => _synQueue.Count >= SynQueueLimit;
    private bool AcceptQueueFull => _acceptQueue.Count >= AcceptQueueLimit;

    /// <summary>SEGMENT ARRIVES in LISTEN (RFC 9293 §3.10.7.2): RST, then ACK, then SYN, in that order.</summary>
    public void OnSegment(Segment seg, SeqNum? issHint = null)
    {
        if (seg.Has(TcpFlags.Rst))
        {
            // "An incoming RST segment could not be valid since it could not have been sent in response to
            // anything sent by this incarnation of the connection. An incoming RST should be ignored."
            _env.Record(EventKind.SegmentDiscarded, Name, Rule.ListenRstIgnored, seg);
            return;
        }
        if (seg.Has(TcpFlags.Ack))
        {
            if (!seg.Has(TcpFlags.Syn) && TryCookie(seg))
            {
                return;
            }
            // "Any acknowledgment is bad if it arrives on a connection still in the LISTEN state":
            // <SEQ=SEG.ACK><CTL=RST> (probes 11, 13, 14, SYN+ACK included).
            _env.Record(EventKind.SegmentDiscarded, Name, Rule.ListenAckReset, seg);
            Stack.SendResetFor(seg, Name, Rule.ListenAckReset);
            return;
        }
        if (!seg.Has(TcpFlags.Syn))
        {
            // "Any other control or text-bearing segment (not containing SYN) must have an ACK and thus would be
            // discarded by the ACK processing" (probe 15: a bare FIN gets no reply).
            _env.Record(EventKind.SegmentDiscarded, Name, Rule.ListenOtherDropped, seg);
            return;
        }
        if (seg.Has(TcpFlags.Fin) && _p.ListenerDropsSynFin)
        {
            _env.Record(EventKind.SegmentDiscarded, Name, Rule.ListenSynFinDropped, seg);
            return;
        }
        OnSyn(seg, issHint);
    }

    /// <summary>Linux tcp_conn_request: SYN queue full → cookie or drop; accept queue full → drop; else a new half-open entry.</summary>
    private void OnSyn(Segment syn, SeqNum? issHint)
    {
        var wantCookie = false;
        if (SynQueueFull)
        {
            _lastOverflowUs = _env.NowUs;
            if (!SynCookies)
            {
                SynQueueDrops++;
                _env.Record(EventKind.SynQueueOverflow, Name, Rule.SynQueueFullDrop, syn, value: _synQueue.Count);
                return;
            }
            wantCookie = true;
        }
        if (AcceptQueueFull)
        {
            // Linux LISTENOVERFLOWS: even SYN cookies cannot help a full accept queue (trace g, n).
            AcceptQueueDrops++;
            _env.Record(EventKind.AcceptQueueOverflow, Name, Rule.AcceptQueueFullSynDrop, syn, value: _acceptQueue.Count);
            return;
        }
        if (wantCookie)
        {
            SendCookie(syn);
            return;
        }
        var child = Stack.CreateChild(this, syn.Source);
        _synQueue.Add(child);
        _young++;
        child.OpenPassive(syn, issHint ?? Stack.ChooseIss(Local, syn.Source),
            issHint is null ? Rule.ListenSynReceived : Rule.TimeWaitReopened);
    }

    private void SendCookie(Segment syn)
    {
        var mssIndex = SynCookie.MssIndexFor(syn.Mss != 0 ? syn.Mss : _p.DefaultPeerMss);
        var cookie = SynCookiesCompute(syn, mssIndex);
        CookiesSent++;
        _env.Record(EventKind.SynCookieSent, Name, Rule.SynCookieSent, syn, value: SynCookie.MssTable[mssIndex]);
        var window = (ushort)Math.Min(Stack.ReceiveBuffer, 65535);
        _env.Transmit(Name, new SegmentSpec(Local, syn.Source, new SeqNum(cookie), syn.Seq + 1,
            TcpFlags.Syn | TcpFlags.Ack, window, Mss: (ushort)_p.Mss), Rule.SynCookieSent);
    }

    private uint SynCookiesCompute(Segment syn, int mssIndex) =>
        SynCookie.Make(_env, Local, syn.Source, syn.Seq, mssIndex);

    /// <summary>A bare ACK at the listener may be the third segment of a cookie handshake (Linux cookie_v4_check).</summary>
    private bool TryCookie(Segment ack)
    {
        // tcp_synq_no_recent_overflow: cookies are only checked shortly after the SYN queue overflowed.
        if (!SynCookies || _lastOverflowUs == long.MinValue || _env.NowUs - _lastOverflowUs > SynCookie.ValidityUs)
        {
            return false;
        }
        var mss = SynCookie.Check(_env, Local, ack.Source, ack.Seq - 1, (ack.Ack - 1).Value);
        if (mss == 0)
        {
            return false;
        }
        if (AcceptQueueFull)
        {
            AcceptQueueDrops++;
            _env.Record(EventKind.AcceptQueueOverflow, Name, Rule.AcceptQueueFullAckDrop, ack, value: _acceptQueue.Count);
            return true;
        }
        _env.Record(EventKind.SynCookieAccepted, Name, Rule.SynCookieAccepted, ack, value: mss);
        var child = Stack.CreateChild(this, ack.Source);
        child.OpenFromCookie(ack, mss);
        if (!child.Deleted && child.State != TcpState.Closed && !_acceptQueue.Contains(child))
        {
            OnEstablished(child);
        }
        return true;
    }

    /// <summary>Whether a half-open entry may complete now (its accept-queue slot).</summary>
    public bool CanComplete() => !AcceptQueueFull;

    public void RecordAcceptOverflow(Segment ack, string endpoint)
    {
        AcceptQueueDrops++;
        _env.Record(EventKind.AcceptQueueOverflow, endpoint, Rule.AcceptQueueFullAckDrop, ack, value: _acceptQueue.Count);
    }

    /// <summary>A child reached ESTABLISHED: it moves from the SYN queue to the accept queue (and out, with auto-accept).</summary>
    public void OnEstablished(Connection child)
    {
        if (_synQueue.Remove(child) && child.Retries == 0)
        {
            _young--;
        }
        _acceptQueue.Add(child);
        child.InAcceptQueue = true;
        if (AutoAccept)
        {
            Accept(child, Rule.AutoAccepted);
        }
    }

    /// <summary>accept(): takes the oldest established connection, or null if there is none.</summary>
    public Connection? AcceptNext()
    {
        if (_acceptQueue.Count == 0)
        {
            return null;
        }
        var child = _acceptQueue[0];
        Accept(child, Rule.UserAccepted);
        return child;
    }

    /// <summary>The application acts on a connection still in the accept queue: it is accepted first.</summary>
    public void AcceptSpecific(Connection child) => Accept(child, Rule.ImplicitAccept);

    private void Accept(Connection child, Rule rule)
    {
        _acceptQueue.Remove(child);
        child.InAcceptQueue = false;
        _env.Record(EventKind.ConnectionAccepted, child.Name, rule, value: _acceptQueue.Count);
    }

    /// <summary>The half-open entry's SYN-ACK timed out once: it is no longer "young".</summary>
    public void MarkNotYoung() => _young--;

    /// <summary>
    /// SYN-ACK retries allowed for an entry now (Linux reqsk_timer_handler): when the queue is more than half full,
    /// old entries get fewer retries, down to 2, so young ones keep room ("abort old ones without pity").
    /// </summary>
    public int SynAckRetryLimit(Connection child)
    {
        var max = _p.SynAckRetries;
        var qlen = _synQueue.Count;
        if (_p.PruneSynQueue && (qlen << 1) > Math.Max(8, Backlog))
        {
            var young = _young << 1;
            while (max > 2)
            {
                if (qlen < young)
                {
                    break;
                }
                max--;
                young <<= 1;
            }
        }
        _ = child;
        return max;
    }

    /// <summary>A child's TCB was deleted (reset, timed out, returned to LISTEN).</summary>
    public void Forget(Connection child)
    {
        if (_synQueue.Remove(child) && child.Retries == 0)
        {
            _young--;
        }
        if (_acceptQueue.Remove(child))
        {
            child.InAcceptQueue = false;
        }
    }

    /// <summary>CLOSE or ABORT on the listener: half-open entries vanish, unaccepted connections are reset.</summary>
    public void Close(Rule rule)
    {
        foreach (var child in _acceptQueue.ToArray())
        {
            child.UserAbort();
        }
        foreach (var child in _synQueue.ToArray())
        {
            child.Drop(Rule.ListenerClosedHalfOpen);
        }
        _env.Record(EventKind.StateChanged, Name, rule, from: TcpState.Listen, to: TcpState.Closed);
    }
}
