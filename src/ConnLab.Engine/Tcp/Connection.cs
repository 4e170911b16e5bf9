using System.Runtime.CompilerServices;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Net;

namespace ConnLab.Engine.Tcp;

/// <summary>
/// One TCP connection's TCB (RFC 9293 §3.3.1) and its state machine. The connection never does I/O: it takes a
/// segment, a timer expiry or a user call, and acts through <see cref="ITcpEffects"/>.
/// </summary>
/// <remarks>
/// Split by concern: Open (active/passive open, SYN_SENT), Arrival (SEGMENT ARRIVES in the order of
/// RFC 9293 §3.10.7.4), Data (send and receive), Close (FIN and TIME_WAIT), Reset (RST, ABORT, challenge ACKs),
/// Timers (retransmission, persist, delayed ACK).
/// </remarks>
internal sealed partial class Connection
{
    private readonly ITcpEffects _env;
    private readonly TcpProfile _p;

    public Connection(TcpStack stack, IpPort local, IpPort remote, string name, Listener? parent)
    {
        Stack = stack;
        _env = stack.Env;
        _p = _env.Profile;
        Local = local;
        Remote = remote;
        Name = name;
        Parent = parent;
        PassiveOpen = parent is not null;
        RcvBuffer = stack.ReceiveBuffer;
        RcvWnd = (uint)RcvBuffer;
        AutoRead = stack.AutoRead;
        RtoUs = _p.InitialRtoMs * 1000L;
        QuickAcksLeft = _p.QuickAckSegments;
        for (var i = 0; i < TimerCount; i++)
        {
            _timerDue[i] = -1;
        }
    }

    public TcpStack Stack { get; }
    public IpPort Local { get; }
    public IpPort Remote { get; }
    public string Name { get; }
    public TcpState State { get; private set; }

    /// <summary>The listener that created this connection (MUST-11: a passive open is remembered).</summary>
    public Listener? Parent { get; private set; }
    public bool PassiveOpen { get; }

    /// <summary>True while in the listener's accept queue (established, not yet accepted).</summary>
    public bool InAcceptQueue { get; set; }

    /// <summary>The user called CLOSE (or ABORT): on the linux profile the socket is now an orphan.</summary>
    public bool UserClosed { get; private set; }

    /// <summary>The connection's TCB is gone; the stack has forgotten it.</summary>
    public bool Deleted { get; private set; }

    // Send sequence variables (RFC 9293 §3.3.1). SndMax is the highest sequence sent, which SND.NXT
    // returns to after a go-back-N retransmission; an ACK up to SndMax is acceptable.
    public SeqNum Iss { get; private set; }
    public SeqNum SndUna { get; private set; }
    public SeqNum SndNxt { get; private set; }
    public SeqNum SndMax { get; private set; }
    public uint SndWnd { get; private set; }
    private SeqNum _sndWl1, _sndWl2;
    private uint _maxSndWnd;

    // Receive sequence variables.
    public SeqNum Irs { get; private set; }
    public SeqNum RcvNxt { get; private set; }
    public uint RcvWnd { get; private set; }
    private SeqNum _rcvUp;

    public int SendMss { get; private set; }
    public int Cwnd { get; private set; }
    private int _ssthresh = int.MaxValue;
    private int _dupAcks;
    private bool _inRecovery;
    private SeqNum _recover;

    // RFC 6298 estimator; one segment timed at a time, never a retransmitted one (Karn).
    public long RtoUs { get; private set; }
    public long SrttUs { get; private set; }
    private long _rttvarUs;
    private bool _timing;
    private SeqNum _timedSeq;
    private long _timedAtUs;
    private bool _synRetransmitted;

    /// <summary>Consecutive expiries of the retransmission (or persist) timer.</summary>
    public int Retries { get; private set; }

    public long BytesAcked { get; private set; }
    public long BytesRead { get; private set; }

    private long _lastInvalidAckUs = long.MinValue / 4; // far in the past, without overflowing now − last

    public override string ToString() => $"{Name} {Local}->{Remote} {State.ToName()}";

    /// <summary>Changes state and records why. The only place <see cref="State"/> is written.</summary>
    private void SetState(TcpState to, Rule rule)
    {
        var from = State;
        State = to;
        _env.Record(EventKind.StateChanged, Name, rule, from: from, to: to);
    }

    /// <summary>Marks the TCB deleted (RFC 9293 "delete the TCB"), stops its timers and tells the stack.</summary>
    private void Delete(Rule rule)
    {
        if (Deleted)
        {
            return;
        }
        StopAllTimers();
        if (State != TcpState.Closed)
        {
            SetState(TcpState.Closed, rule);
        }
        Deleted = true;
        _env.Record(EventKind.ConnectionClosed, Name, Rule.TcbDeleted);
        Stack.Forget(this);
        Parent?.Forget(this);
        Parent = null;
    }

    /// <summary>The window field to advertise: RCV.WND, which fits 16 bits because no window scaling is modelled.</summary>
    private ushort WindowField => (ushort)Math.Min(RcvWnd, 65535u);

    private Segment Send(TcpFlags flags, SeqNum seq, SeqNum ack, Rule rule, ReadOnlyMemory<byte> payload = default,
        ushort mss = 0, SegmentOrigin origin = SegmentOrigin.Original)
    {
        if ((flags & TcpFlags.Ack) != 0)
        {
            // Every segment with ACK carries the latest acknowledgment, so no separate ACK is owed any more.
            ClearPendingAck();
        }
        else
        {
            ack = default;
        }
        if ((flags & TcpFlags.Rst) == 0)
        {
            // SND.MAX is the highest sequence number ever sent: every path that sends moves it, here, once.
            var end = seq + payload.Length + ((flags & TcpFlags.Syn) != 0 ? 1 : 0) + ((flags & TcpFlags.Fin) != 0 ? 1 : 0);
            if (end > SndMax)
            {
                SndMax = end;
            }
        }
        return _env.Transmit(Name, new SegmentSpec(Local, Remote, seq, ack, flags, WindowField, payload, mss, origin), rule);
    }

    /// <summary>Sends <c>&lt;SEQ=SND.NXT&gt;&lt;ACK=RCV.NXT&gt;&lt;CTL=ACK&gt;</c>.</summary>
    private void SendAck(Rule rule)
    {
        UpdateReceiveWindow();
        Send(TcpFlags.Ack, AcceptableSeq, RcvNxt, rule);
    }

    /// <summary>
    /// The sequence number for a segment without data: one the peer will find acceptable, so the ACK it carries is
    /// not thrown away. That is the highest sequence sent — not a SND.NXT rewound by go-back-N retransmission (BSD
    /// tcp_output: "for ACK only packets … use snd_max") — unless that lies beyond the peer's window, then the
    /// window's right edge SND.UNA + SND.WND (Linux tcp_acceptable_seq). Otherwise two peers can trade ACKs that
    /// each rejects as out of window, forever.
    /// </summary>
    private SeqNum AcceptableSeq => SndMax > SndUna + SndWnd ? SndUna + SndWnd : SndMax;

    /// <summary>Rate limit shared by challenge ACKs and ACKs to unacceptable segments (Linux tcp_oow_rate_limited).</summary>
    private bool InvalidAckAllowed()
    {
        if (_p.InvalidAckRateLimitMs > 0 && _env.NowUs - _lastInvalidAckUs < _p.InvalidAckRateLimitMs * 1000L)
        {
            return false;
        }
        _lastInvalidAckUs = _env.NowUs;
        return true;
    }

    [InlineArray(TimerCount)]
    private struct TimerSlots
    {
        private long _element;
    }

    private const int TimerCount = 5;
}
