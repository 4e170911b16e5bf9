using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Tcp;

internal sealed partial class Connection
{
    /// <summary>Active OPEN (RFC 9293 §3.10.1, CLOSED state): send &lt;SEQ=ISS&gt;&lt;CTL=SYN&gt; and enter SYN_SENT.</summary>
    public void OpenActive(SeqNum iss)
    {
        Iss = iss;
        SndUna = iss;
        SndNxt = iss + 1;
        SndMax = SndNxt;
        _retransmitUntil = SndNxt;
        _firstSynUs = _env.NowUs;
        SetState(TcpState.SynSent, Rule.ActiveOpen);
        UpdateReceiveWindow();
        Send(TcpFlags.Syn, Iss, default, Rule.SynSent, mss: (ushort)_p.Mss);
        StartTiming(Iss + 1);
        ArmTimer(TimerKind.Retransmission, RtoUs, Rule.RetransmissionTimerStarted);
    }

    /// <summary>
    /// A listener's new half-open connection (RFC 9293 §3.10.7.2, "third, check for a SYN"): IRS = SEG.SEQ,
    /// RCV.NXT = SEG.SEQ + 1, send &lt;SEQ=ISS&gt;&lt;ACK=RCV.NXT&gt;&lt;CTL=SYN,ACK&gt;, enter SYN_RECEIVED.
    /// </summary>
    public void OpenPassive(Segment syn, SeqNum iss, Rule why)
    {
        State = TcpState.Listen; // a listener's child starts as a copy of the listening TCB
        Irs = syn.Seq;
        RcvNxt = syn.Seq + 1;
        Iss = iss;
        SndUna = iss;
        SndNxt = iss + 1;
        SndMax = SndNxt;
        _retransmitUntil = SndNxt;
        LearnPeerMss(syn.Mss);
        SndWnd = syn.Window;
        _maxSndWnd = SndWnd;
        SetState(TcpState.SynReceived, why);
        UpdateReceiveWindow();
        Send(TcpFlags.Syn | TcpFlags.Ack, Iss, RcvNxt, Rule.SynAckSent, mss: (ushort)_p.Mss);
        StartTiming(Iss + 1);
        ArmTimer(TimerKind.Retransmission, RtoUs, Rule.RetransmissionTimerStarted);
    }

    /// <summary>
    /// A valid SYN cookie came back (Linux cookie_v4_check): the connection is rebuilt from the ACK alone and
    /// enters ESTABLISHED without ever having been half-open.
    /// </summary>
    public void OpenFromCookie(Segment ack, int mss)
    {
        State = TcpState.Listen;
        Irs = ack.Seq - 1;
        RcvNxt = ack.Seq;
        Iss = ack.Ack - 1;
        SndUna = ack.Ack;
        SndNxt = ack.Ack;
        SndMax = ack.Ack;
        _retransmitUntil = SndNxt;
        _sndUnaOffset = 0;
        SendMss = Math.Min(mss, _p.Mss);
        SndWnd = ack.Window;
        _maxSndWnd = SndWnd;
        _sndWl1 = ack.Seq;
        _sndWl2 = ack.Ack;
        Cwnd = InitialCwnd();
        SetState(TcpState.Established, Rule.SynCookieEstablished);
        _env.Record(EventKind.ConnectionEstablished, Name, Rule.ConnectionOpen, ack, value: SendMss);
        // The cookie's ACK may carry data and even a FIN: process them as an ESTABLISHED connection would.
        ProcessTextAndFin(ack, ack.Seq, ack.Payload, ack.Has(TcpFlags.Fin));
        FinishArrival();
    }

    /// <summary>SEGMENT ARRIVES in SYN_SENT (RFC 9293 §3.10.7.3).</summary>
    private void ArriveInSynSent(Segment seg)
    {
        var hasAck = seg.Has(TcpFlags.Ack);
        // First, check the ACK bit: an ACK for something we never sent draws a reset (unless it is one).
        if (hasAck && (seg.Ack <= Iss || seg.Ack > SndMax))
        {
            if (seg.Has(TcpFlags.Rst))
            {
                Discard(seg, Rule.SynSentRstBadAck);
            }
            else
            {
                Discard(seg, Rule.SynSentBadAck);
                Send(TcpFlags.Rst, seg.Ack, default, Rule.SynSentBadAck);
            }
            return;
        }
        // Second, check the RST bit: with an acceptable ACK it means "connection refused".
        if (seg.Has(TcpFlags.Rst))
        {
            if (hasAck)
            {
                _env.Record(EventKind.ConnectionRefused, Name, Rule.SynSentRstRefused, seg);
                Delete(Rule.SynSentRstRefused);
            }
            else
            {
                Discard(seg, Rule.SynSentRstNoAck);
            }
            return;
        }
        // Fourth, check the SYN bit.
        if (!seg.Has(TcpFlags.Syn))
        {
            // Fifth: neither SYN nor RST.
            Discard(seg, Rule.SynSentNoSyn);
            return;
        }
        Irs = seg.Seq;
        RcvNxt = seg.Seq + 1;
        LearnPeerMss(seg.Mss);
        if (hasAck)
        {
            AcknowledgeSyn(seg.Ack);
        }
        if (SndUna > Iss)
        {
            // Our SYN is acknowledged: ESTABLISHED, and <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
            UpdateWindow(seg, force: true);
            Cwnd = InitialCwnd();
            SetState(TcpState.Established, Rule.SynSentSynAck);
            _env.Record(EventKind.ConnectionEstablished, Name, Rule.ConnectionOpen, seg, value: SendMss);
            SetAckNow(Rule.HandshakeAckSent);
            ProcessTextAndFin(seg, seg.Seq + 1, seg.Payload, seg.Has(TcpFlags.Fin));
            FinishArrival();
            return;
        }
        // A SYN without ACK: simultaneous open (RFC 9293 §3.5 Figure 7, MUST-10). Re-send our own ISS with the ACK.
        SndWnd = seg.Window;
        _maxSndWnd = Math.Max(_maxSndWnd, SndWnd);
        SetState(TcpState.SynReceived, Rule.SimultaneousOpen);
        UpdateReceiveWindow();
        Send(TcpFlags.Syn | TcpFlags.Ack, Iss, RcvNxt, Rule.SimultaneousOpenSynAck, mss: (ushort)_p.Mss);
        _timing = false;
        ArmTimer(TimerKind.Retransmission, RtoUs, Rule.RetransmissionTimerStarted, record: false);
    }

    /// <summary>SND.UNA moves past our SYN: stop timing, take the RTT sample, reset the retry count.</summary>
    private void AcknowledgeSyn(SeqNum ack)
    {
        _sndUnaOffset += (uint)(ack - SndUna);
        SndUna = ack;
        if (_timing && ack >= _timedSeq)
        {
            SampleRtt(_env.NowUs - _timedAtUs);
            _timing = false;
        }
        else if (_synRetransmitted && SrttUs == 0)
        {
            // RFC 6298 §5.7: after a SYN timed out without an RTT sample, data transmission starts with RTO = 3 s.
            RtoUs = Math.Max(RtoUs, 3_000_000L);
        }
        Retries = 0;
        StopTimer(TimerKind.Retransmission, Rule.SynAcknowledged);
    }

    /// <summary>The handshake's ACK arrived in SYN_RECEIVED (RFC 9293 §3.10.7.4, fifth check).</summary>
    private void CompleteHandshake(Segment seg, Rule rule)
    {
        AcknowledgeSyn(seg.Ack);
        UpdateWindow(seg, force: true);
        Cwnd = InitialCwnd();
        SetState(TcpState.Established, rule);
        _env.Record(EventKind.ConnectionEstablished, Name, Rule.ConnectionOpen, seg, value: SendMss);
        Parent?.OnEstablished(this);
    }

    private void LearnPeerMss(ushort mss)
    {
        // RFC 9293 §3.7.1: send no more than the peer's MSS (536 if it sent none), and no more than our own.
        var peer = mss != 0 ? mss : _p.DefaultPeerMss;
        SendMss = Math.Min(peer, _p.Mss);
    }

    // RFC 5681 §3.1 / RFC 6928: the initial window in segments of the send MSS.
    private int InitialCwnd() => _p.InitialWindowSegments * Math.Max(SendMss, 1);

    private long _firstSynUs;

    private void StartTiming(SeqNum ackThatEnds)
    {
        _timing = true;
        _timedSeq = ackThatEnds;
        _timedAtUs = _env.NowUs;
    }
}
