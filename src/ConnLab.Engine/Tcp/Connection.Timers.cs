using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Tcp;

internal sealed partial class Connection
{
    private TimerSlots _timerDue;   // due time per TimerKind, µs; -1 when stopped
    private TimerSlots _timerTag;   // the tag of the live arming; older agenda entries are stale
    private int _timerSerial;

    private static bool IsShort(TimerKind kind) =>
        kind is TimerKind.Retransmission or TimerKind.DelayedAck or TimerKind.Persist;

    public bool IsTimerRunning(TimerKind kind) => _timerDue[(int)kind] >= 0;

    public long TimerDue(TimerKind kind) => _timerDue[(int)kind];

    /// <summary>True if an agenda entry with this tag is the timer's live arming.</summary>
    public bool IsCurrent(int tag)
    {
        var kind = tag & 7;
        return !Deleted && _timerDue[kind] >= 0 && _timerTag[kind] == tag;
    }

    /// <summary>Starts (or restarts) a timer. <paramref name="record"/> is false for silent restarts (RTO on progress).</summary>
    private void ArmTimer(TimerKind kind, long delayUs, Rule rule, bool record = true)
    {
        var k = (int)kind;
        if (_timerDue[k] < 0 && IsShort(kind))
        {
            _env.ShortTimerCountChanged(+1);
        }
        var due = _env.NowUs + delayUs;
        var tag = (++_timerSerial << 3) | k;
        _timerDue[k] = due;
        _timerTag[k] = tag;
        _env.ScheduleTimer(this, due, tag);
        if (record)
        {
            _env.Record(EventKind.TimerArmed, Name, rule, timer: kind, dueUs: due, value: delayUs);
        }
    }

    private void StopTimer(TimerKind kind, Rule rule, bool record = true)
    {
        var k = (int)kind;
        if (_timerDue[k] < 0)
        {
            return;
        }
        _timerDue[k] = -1;
        if (IsShort(kind))
        {
            _env.ShortTimerCountChanged(-1);
        }
        if (record)
        {
            _env.Record(EventKind.TimerCancelled, Name, rule, timer: kind);
        }
    }

    private void StopAllTimers()
    {
        for (var k = 0; k < TimerCount; k++)
        {
            StopTimer((TimerKind)k, Rule.TimersStoppedOnClose);
        }
    }

    /// <summary>A timer expired (the session checked <see cref="IsCurrent"/> first).</summary>
    public void OnTimer(int tag)
    {
        var kind = (TimerKind)(tag & 7);
        _timerDue[(int)kind] = -1;
        if (IsShort(kind))
        {
            _env.ShortTimerCountChanged(-1);
        }
        _env.Record(EventKind.TimerFired, Name, Rule.TimerExpired, timer: kind, value: Retries);
        switch (kind)
        {
            case TimerKind.Retransmission:
                OnRetransmissionTimeout();
                break;
            case TimerKind.Persist:
                OnPersistTimeout();
                break;
            case TimerKind.DelayedAck:
                if (_ackPending)
                {
                    SendAck(Rule.DelayedAckSent);
                }
                break;
            case TimerKind.TimeWait:
                // RFC 9293 §3.10.8: "If the time-wait timeout expires on a connection, delete the TCB".
                Delete(Rule.TimeWaitExpired);
                break;
            case TimerKind.FinWait2:
                // Linux tcp_fin_timeout: an orphaned FIN_WAIT_2 socket dies quietly, no RST (trace l).
                Delete(Rule.FinWait2Expired);
                break;
        }
    }

    private bool _probeArmed;   // the retransmission timer currently stands for a tail loss probe
    private bool _probeSent;    // one probe per flight, until new data is acknowledged (Linux tlp_high_seq)

    /// <summary>
    /// Starts the timer that guards outstanding data: a tail loss probe first on the linux profile (RFC 8985 §7.2,
    /// Linux tcp_schedule_loss_probe), else the RTO (RFC 6298 §5.1).
    /// </summary>
    private void ArmRetransmissionTimer(Rule rule, bool record)
    {
        if (_p.TailLossProbe && !_probeSent && SrttUs > 0
            && State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck)
        {
            // PTO = 2·SRTT, plus the minimum RTO for a lone segment (its ACK may be delayed), never after the RTO.
            var oneSegment = (long)(uint)(SndMax - SndUna) <= SendMss;
            var pto = Math.Min((2 * SrttUs) + (oneSegment ? _p.MinRtoMs * 1000L : 2000), RtoUs);
            _probeArmed = true;
            ArmTimer(TimerKind.Retransmission, pto, Rule.LossProbeArmed, record);
            return;
        }
        _probeArmed = false;
        ArmTimer(TimerKind.Retransmission, RtoUs, rule, record);
    }

    /// <summary>RFC 8985 §7.3: the probe re-sends the last segment sent; no back-off, no retry counted; the RTO follows.</summary>
    private void SendLossProbe()
    {
        _probeArmed = false;
        _probeSent = true;
        var outstanding = (long)(uint)(SndMax - SndUna);
        var finOutstanding = _finQueued && SndMax == FinSeq + 1;
        var dataOutstanding = outstanding - (finOutstanding ? 1 : 0);
        var len = (int)Math.Min(dataOutstanding, SendMss);
        var start = SndMax - (len + (finOutstanding ? 1 : 0));
        var flags = TcpFlags.Ack | (finOutstanding ? TcpFlags.Fin : 0) | (len > 0 ? TcpFlags.Psh : 0);
        UpdateReceiveWindow();
        Send(flags, start, RcvNxt, Rule.TailLossProbe, len > 0 ? _send!.Slice(SeqToOffset(start), len) : default,
            origin: SegmentOrigin.Retransmission);
        _timing = false;
        ArmTimer(TimerKind.Retransmission, RtoUs, Rule.RetransmissionTimerStarted);
    }

    /// <summary>RFC 6298 §5.4–5.6 (and RFC 9293 §3.10.8): retransmit the earliest unacknowledged segment, back off.</summary>
    private void OnRetransmissionTimeout()
    {
        if (_probeArmed && State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck)
        {
            SendLossProbe();
            return;
        }
        _probeArmed = false;
        switch (State)
        {
            case TcpState.SynSent:
                // Linux tcp_write_timeout: give up after syn_retries + syn_linear_timeouts retransmissions, or once
                // the time since the first SYN reaches tcp_model_timeout(syn_retries).
                if (Retries >= _p.SynRetries + _p.SynLinearTimeouts
                    || (_p.SynGiveUpByModelTime && _env.NowUs - _firstSynUs >= SynModelTimeoutUs()))
                {
                    TimedOut(Rule.SynRetriesExhausted);
                    return;
                }
                Retries++;
                _synRetransmitted = true;
                _timing = false;
                Send(TcpFlags.Syn, Iss, default, Rule.SynRetransmitted, mss: (ushort)_p.Mss, origin: SegmentOrigin.Retransmission);
                ArmTimer(TimerKind.Retransmission, SynBackoffUs(Retries, linear: _p.SynLinearTimeouts),
                    Retries <= _p.SynLinearTimeouts ? Rule.SynLinearTimeout : Rule.RetransmissionBackoff);
                return;
            case TcpState.SynReceived:
                OnSynAckTimeout();
                return;
        }
        if (SndWnd == 0 && SeqToOffset(SndUna) < SendEnd)
        {
            // The peer's window is shut: the unacknowledged data lies beyond what it can take, so retransmitting
            // it is pointless and must not time the connection out. Probe the window instead (BSD tcp_output →
            // tcp_setpersist; Linux tcp_retransmit_timer: "receiver dastardly shrinks window").
            Retries = 0;
            SndNxt = SndUna;
            _retransmitUntil = SndMax;
            _timing = false;
            ArmTimer(TimerKind.Persist, PersistIntervalUs(), Rule.PersistTimerStarted);
            return;
        }
        if (Retries >= _p.DataRetries)
        {
            TimedOut(Rule.DataRetriesExhausted);
            return;
        }
        Retries++;
        _timing = false; // Karn: no RTT sample from a retransmitted segment
        // RFC 5681 §3.1 eq. 4: ssthresh = max(FlightSize / 2, 2·SMSS); cwnd = loss window (1 segment).
        _ssthresh = Math.Max((SndMax - SndUna) / 2, 2 * SendMss);
        Cwnd = SendMss;
        _inRecovery = false;
        _dupAcks = 0;
        RtoUs = Math.Min(RtoUs * 2, _p.MaxRtoMs * 1000L); // RFC 6298 §5.5: back off the timer
        ArmTimer(TimerKind.Retransmission, RtoUs, Rule.RetransmissionBackoff);
        // Go back to SND.UNA and send again from there, as BSD's tcp_timer_rexmt does (snd_nxt = snd_una).
        SndNxt = SndUna;
        _retransmitUntil = SndMax;
        Output();
    }

    /// <summary>SYN-ACK retransmission of a half-open connection, with Linux's queue pruning under flood.</summary>
    private void OnSynAckTimeout()
    {
        var limit = PassiveOpen ? (Parent?.SynAckRetryLimit(this) ?? _p.SynAckRetries) : _p.SynRetries;
        if (Retries >= limit)
        {
            if (PassiveOpen)
            {
                // Linux reqsk_timer_handler: the request is dropped without a RST.
                _env.Record(EventKind.HalfOpenDropped, Name, limit < _p.SynAckRetries ? Rule.HalfOpenPruned : Rule.HalfOpenExpired,
                    value: Retries);
                Delete(limit < _p.SynAckRetries ? Rule.HalfOpenPruned : Rule.HalfOpenExpired);
            }
            else
            {
                TimedOut(Rule.SynRetriesExhausted);
            }
            return;
        }
        if (Retries == 0)
        {
            Parent?.MarkNotYoung();
        }
        Retries++;
        _synRetransmitted = true;
        _timing = false;
        UpdateReceiveWindow();
        Send(TcpFlags.Syn | TcpFlags.Ack, Iss, RcvNxt, Rule.SynAckRetransmitted, mss: (ushort)_p.Mss, origin: SegmentOrigin.Retransmission);
        // Linux reqsk_timeout: TCP_TIMEOUT_INIT << num_timeout, capped at TCP_RTO_MAX (1, 2, 4, 8, 16 s).
        ArmTimer(TimerKind.Retransmission, SynBackoffUs(Retries, linear: 0), Rule.RetransmissionBackoff);
    }

    /// <summary>
    /// The timeout after the <paramref name="retries"/>-th SYN (or SYN-ACK) retransmission: the initial RTO for the
    /// first <paramref name="linear"/> ones, then doubling (Linux 6.5+: "SYN RTOs 1,1,1,1,1,2,4,…").
    /// </summary>
    private long SynBackoffUs(int retries, int linear)
    {
        var initial = _p.InitialRtoMs * 1000L;
        var shift = Math.Max(0, retries - linear);
        var rto = shift >= 40 ? long.MaxValue : initial << shift;
        return Math.Min(rto, _p.MaxRtoMs * 1000L);
    }

    /// <summary>
    /// Linux tcp_model_timeout: how long the classic doubling schedule would take for SynRetries retransmissions
    /// starting at the initial RTO, with the steps beyond the maximum RTO counted at the maximum.
    /// </summary>
    private long SynModelTimeoutUs()
    {
        var rtoBase = _p.InitialRtoMs * 1000L;
        var thresh = (int)Math.Log2(Math.Max(1, _p.MaxRtoMs / Math.Max(1, _p.InitialRtoMs)));
        var boundary = _p.SynRetries;
        return boundary <= thresh
            ? ((2L << boundary) - 1) * rtoBase
            : (((2L << thresh) - 1) * rtoBase) + ((boundary - thresh) * _p.MaxRtoMs * 1000L);
    }

    private void TimedOut(Rule rule)
    {
        _env.Record(EventKind.ConnectionTimedOut, Name, rule, value: Retries);
        Delete(Rule.TimedOutClosed);
    }

    /// <summary>RFC 9293 §3.8.6.1: probe a zero window; the interval backs off like the RTO.</summary>
    private void OnPersistTimeout()
    {
        if (!HasDataToSend)
        {
            return;
        }
        if (SndWnd != 0)
        {
            // The window is open but too small for SWS avoidance: the override timeout sends what fits.
            ForceSmallSegment();
            Output();
            return;
        }
        Retries = Math.Min(Retries + 1, 30);
        if (_p.WindowProbe == WindowProbeStyle.OldSeqAck)
        {
            // Linux tcp_xmit_probe_skb: an old sequence number forces the receiver to answer with its window.
            UpdateReceiveWindow();
            Send(TcpFlags.Ack, SndUna - 1, RcvNxt, Rule.ZeroWindowProbe, origin: SegmentOrigin.WindowProbe);
        }
        else
        {
            // RFC 9293 §3.8.6.1: send one octet beyond the zero window — the first unacknowledged one, so every
            // probe carries the same octet. The persist timer, not the retransmission timer, repeats it while the
            // window stays shut; once it opens, the octet goes again if it was not accepted (UpdateWindow).
            UpdateReceiveWindow();
            Send(TcpFlags.Ack, SndUna, RcvNxt, Rule.ZeroWindowProbe, _send!.Slice(SeqToOffset(SndUna), 1), origin: SegmentOrigin.WindowProbe);
            if (SndNxt == SndUna)
            {
                SndNxt += 1;
            }
            if (SndNxt > SndMax)
            {
                SndMax = SndNxt;
            }
        }
        ArmTimer(TimerKind.Persist, PersistIntervalUs(), Rule.PersistBackoff);
    }

    /// <summary>Linux tcp_probe0_when: max(RTO, TCP_RTO_MIN) &lt;&lt; backoff, capped at the maximum RTO.</summary>
    private long PersistIntervalUs()
    {
        var baseUs = Math.Max(RtoUs, _p.MinRtoMs * 1000L);
        var shift = Math.Min(Retries, 30);
        var interval = baseUs << Math.Min(shift, 20);
        return Math.Min(interval, _p.MaxRtoMs * 1000L);
    }

    /// <summary>RFC 6298 §2.2–2.3 (rfc9293) or Linux tcp_rtt_estimator/__tcp_set_rto (linux): fold in one RTT sample.</summary>
    private void SampleRtt(long rttUs)
    {
        rttUs = Math.Max(rttUs, 1);
        if (SrttUs == 0)
        {
            SrttUs = rttUs;
            _rttvarUs = rttUs / 2;
        }
        else
        {
            _rttvarUs = ((3 * _rttvarUs) + Math.Abs(SrttUs - rttUs)) / 4;
            SrttUs = ((7 * SrttUs) + rttUs) / 8;
        }
        var minRto = _p.MinRtoMs * 1000L;
        var rto = _p.MinRtoFloorsVariance
            ? SrttUs + Math.Max(4 * _rttvarUs, minRto)          // Linux: rttvar is floored at tcp_rto_min
            : Math.Max(SrttUs + Math.Max(1000, 4 * _rttvarUs), minRto); // RFC 6298 §2.3 (G = 1 ms) and §2.4
        RtoUs = Math.Min(rto, _p.MaxRtoMs * 1000L);
    }
}
