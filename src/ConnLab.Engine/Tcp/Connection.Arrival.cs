using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Tcp;

internal sealed partial class Connection
{
    /// <summary>SEGMENT ARRIVES for an existing TCB (RFC 9293 §3.10.7.3 and §3.10.7.4).</summary>
    public void OnSegment(Segment seg)
    {
        switch (State)
        {
            case TcpState.SynSent:
                ArriveInSynSent(seg);
                break;
            case TcpState.TimeWait:
                ArriveInTimeWait(seg);
                break;
            default:
                Arrive(seg);
                break;
        }
    }

    /// <summary>SYN_RECEIVED and the synchronized states, checked in the RFC's order: sequence, RST, SYN, ACK, URG, text, FIN.</summary>
    private void Arrive(Segment seg)
    {
        if (State == TcpState.SynReceived && !PassiveOpen && _p.SimultaneousOpenShortcut
            && seg.Has(TcpFlags.Syn | TcpFlags.Ack) && !seg.Has(TcpFlags.Rst) && seg.Seq + 1 == RcvNxt && seg.Ack == SndNxt)
        {
            // Linux tcp_validate_incoming: in a simultaneous open the peer's SYN,ACK (seq = IRS) completes the
            // handshake at once, and its old sequence number forces an immediate pure ACK (trace p).
            CompleteHandshake(seg, Rule.SimultaneousOpenSynAckAccepted);
            SendAck(Rule.SimultaneousOpenFinalAck);
            FinishArrival();
            return;
        }
        if (State.IsSynchronized() && seg.Has(TcpFlags.Syn) && !seg.Has(TcpFlags.Rst))
        {
            // RFC 5961 §4.2 / RFC 9293 §3.10.7.4 fourth: a SYN in a synchronized state, "irrespective of the
            // sequence number", draws a challenge ACK (probes 1 and 2: old duplicate and in-window SYN).
            ChallengeAck(seg, Rule.ChallengeAckSyn);
            return;
        }

        // First, check sequence number.
        if (!IsAcceptable(seg))
        {
            OnUnacceptable(seg);
            return;
        }

        // Trim to the window: "only the new parts are processed" (§3.10.7.4). A SYN at IRS is old news.
        var start = seg.Seq;
        var data = seg.Payload;
        var syn = seg.Has(TcpFlags.Syn);
        var fin = seg.Has(TcpFlags.Fin);
        if (syn)
        {
            if (start < RcvNxt)
            {
                syn = false;
            }
            start += 1;
        }
        var old = RcvNxt - start;
        if (old > 0)
        {
            if (old >= data.Length)
            {
                fin = fin && start + data.Length >= RcvNxt;
                data = default;
            }
            else
            {
                data = data[old..];
            }
            start = RcvNxt;
        }
        var room = (long)RcvWnd - (start - RcvNxt);
        if (data.Length > room)
        {
            // Octets beyond the window are not accepted (zero window included: §3.10.7.4 "special allowance"
            // keeps the ACK and RST of such a segment, not its data); the ACK we owe reports the window.
            data = room > 0 ? data[..(int)room] : default;
            fin = false;
            SetAckNow(Rule.DataBeyondWindow);
        }

        // Second, check the RST bit.
        if (seg.Has(TcpFlags.Rst))
        {
            OnReset(seg);
            return;
        }

        // Fourth, check the SYN bit (SYN_RECEIVED only; synchronized states answered above).
        if (syn)
        {
            OnSynInSynReceived(seg);
            return;
        }

        // Fifth, check the ACK field.
        if (!seg.Has(TcpFlags.Ack))
        {
            Discard(seg, Rule.NoAckDropped);
            return;
        }
        if (State == TcpState.SynReceived)
        {
            if (!(SndUna < seg.Ack && seg.Ack <= SndMax))
            {
                // "If the segment acknowledgment is not acceptable, form a reset segment <SEQ=SEG.ACK><CTL=RST>".
                Discard(seg, Rule.SynReceivedBadAck);
                Send(TcpFlags.Rst, seg.Ack, default, Rule.SynReceivedBadAck);
                return;
            }
            if (Parent is not null && !Parent.CanComplete())
            {
                // Linux tcp_check_req with tcp_abort_on_overflow = 0: the ACK is ignored, the entry stays half-open.
                Parent.RecordAcceptOverflow(seg, Name);
                return;
            }
            CompleteHandshake(seg, Rule.HandshakeCompleted);
            if (_closeAfterEstablished)
            {
                // RFC 9293 §3.10.4: a CLOSE queued in SYN_RECEIVED is acted on once ESTABLISHED.
                SetState(TcpState.FinWait1, Rule.QueuedCloseNowSent);
            }
        }
        else if (!ProcessAck(seg) || Deleted)
        {
            return;
        }

        // Sixth, check the URG bit: RCV.UP = max(RCV.UP, SEG.UP).
        if (seg.Has(TcpFlags.Urg) && State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
        {
            _rcvUp = SeqNum.Max(_rcvUp, seg.Seq + (int)seg.UrgentPointer);
        }

        // Seventh and eighth: segment text, then FIN.
        ProcessTextAndFin(seg, start, data, fin);
        FinishArrival();
    }

    /// <summary>
    /// The segment acceptability test (RFC 9293 §3.10.7.4, first check). With a zero window, a segment exactly at
    /// RCV.NXT still gets its ACK and RST processed ("special allowance"); its data is trimmed afterwards.
    /// </summary>
    private bool IsAcceptable(Segment seg)
    {
        var len = seg.SeqLength;
        var wnd = RcvWnd;
        if (len == 0)
        {
            return wnd == 0 ? seg.Seq == RcvNxt : seg.Seq.IsInWindow(RcvNxt, wnd);
        }
        if (wnd == 0)
        {
            return seg.Seq == RcvNxt;
        }
        return seg.Seq.IsInWindow(RcvNxt, wnd) || (seg.Seq + (len - 1)).IsInWindow(RcvNxt, wnd);
    }

    /// <summary>"If a segment is not acceptable, an acknowledgment should be sent in reply (unless the RST bit is set)".</summary>
    private void OnUnacceptable(Segment seg)
    {
        if (seg.Has(TcpFlags.Rst))
        {
            // RFC 5961 §3.2: an RST outside the window is silently dropped (probe 3).
            Discard(seg, Rule.RstOutOfWindow);
            return;
        }
        if (State == TcpState.SynReceived && PassiveOpen && _p.SynAckOnDuplicateSyn && seg.Flags == TcpFlags.Syn && seg.Seq == Irs)
        {
            // Linux tcp_check_req: a retransmitted SYN means our SYN-ACK may be lost; send it again (trace l1).
            if (InvalidAckAllowed())
            {
                Discard(seg, Rule.DuplicateSynResendSynAck);
                UpdateReceiveWindow();
                Send(TcpFlags.Syn | TcpFlags.Ack, Iss, RcvNxt, Rule.DuplicateSynResendSynAck, mss: (ushort)_p.Mss,
                    origin: SegmentOrigin.Retransmission);
            }
            else
            {
                Discard(seg, Rule.InvalidAckRateLimited);
            }
            return;
        }
        // Linux tcp_oow_rate_limited spares data segments: only zero-length (and SYN) ones are throttled.
        if ((seg.Length == 0 || seg.Has(TcpFlags.Syn)) && !InvalidAckAllowed())
        {
            Discard(seg, Rule.InvalidAckRateLimited);
            return;
        }
        Discard(seg, Rule.UnacceptableSegment);
        SendAck(Rule.UnacceptableSegment);
    }

    /// <summary>A SYN inside the window in SYN_RECEIVED (RFC 9293 §3.10.7.4, fourth check).</summary>
    private void OnSynInSynReceived(Segment seg)
    {
        if (!PassiveOpen)
        {
            ChallengeAck(seg, Rule.ChallengeAckSyn);
            return;
        }
        if (_p.SynAckOnDuplicateSyn)
        {
            // Linux tcp_check_req: an in-window SYN that is not the original resets the request.
            Discard(seg, Rule.SynReceivedSynReset);
            Send(TcpFlags.Rst, seg.Has(TcpFlags.Ack) ? seg.Ack : default, default, Rule.SynReceivedSynReset);
            Delete(Rule.SynReceivedSynReset);
            return;
        }
        // "If the connection was initiated with a passive OPEN, then return this connection to the LISTEN state"
        // (RFC 9293 erratum 8710 labels that edge "rcv RST/SYN").
        Discard(seg, Rule.SynReceivedSynToListen);
        ReturnToListen(Rule.SynReceivedSynToListen);
    }

    /// <summary>A passive SYN_RECEIVED connection goes back to LISTEN: its TCB is freed, the listener remains.</summary>
    private void ReturnToListen(Rule rule)
    {
        SetState(TcpState.Listen, rule);
        StopAllTimers();
        Deleted = true;
        _env.Record(EventKind.ConnectionClosed, Name, Rule.TcbDeleted);
        Stack.Forget(this);
        Parent?.Forget(this);
        Parent = null;
    }

    /// <summary>
    /// The ACK field in a synchronized state (RFC 9293 §3.10.7.4 fifth, with RFC 5961 §5.2). Returns false when the
    /// segment was dropped.
    /// </summary>
    private bool ProcessAck(Segment seg)
    {
        var ack = seg.Ack;
        if (ack > SndMax)
        {
            // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT) then send an ACK, drop the segment".
            // Linux 6.18 sends it as a (rate-limited) challenge ACK (reference §11.1, probe 7).
            ChallengeAck(seg, Rule.AckOfUnsentData);
            return false;
        }
        // RFC 5961 §5.2: acceptable iff SND.UNA − MAX.SND.WND ≤ SEG.ACK. Linux bounds MAX.SND.WND by the bytes
        // actually acknowledged (tcp_ack), so with no data acked yet any older ACK is challenged (probe 8b).
        var maxWnd = _p.AckWindowBoundedByBytesAcked ? (uint)Math.Min(_maxSndWnd, BytesAcked) : _maxSndWnd;
        if (ack < SndUna - (int)Math.Min(maxWnd, int.MaxValue))
        {
            ChallengeAck(seg, Rule.ChallengeAckOldAck);
            return false;
        }
        if (ack > SndUna)
        {
            OnNewAck(seg);
        }
        else if (ack == SndUna && seg.SeqLength == 0 && seg.Window == SndWnd && SndWnd != 0 && SndMax > SndUna)
        {
            // RFC 5681 §2's duplicate ACK; with the window shut, repeated ACKs are window reports, not loss signals.
            OnDuplicateAck(seg);
        }
        UpdateWindow(seg, force: false);

        // State-specific parts of the fifth check: has our FIN been acknowledged?
        if (FinAcked)
        {
            switch (State)
            {
                case TcpState.FinWait1 when seg.Has(TcpFlags.Fin) && seg.Seq + seg.Length == RcvNxt:
                    // FIN and the ACK of our FIN in one segment: the FIN check below goes straight to TIME_WAIT
                    // (Figure 5 note 2) instead of passing through FIN_WAIT_2.
                    break;
                case TcpState.FinWait1:
                    SetState(TcpState.FinWait2, Rule.FinWait1FinAcked);
                    if (UserClosed && _p.CloseOrphans && _p.FinWait2TimeoutMs > 0)
                    {
                        ArmTimer(TimerKind.FinWait2, _p.FinWait2TimeoutMs * 1000L, Rule.OrphanFinWait2Timer);
                    }
                    break;
                case TcpState.Closing:
                    SetState(TcpState.TimeWait, Rule.ClosingFinAcked);
                    StartTimeWait(Rule.ClosingFinAcked);
                    break;
                case TcpState.LastAck:
                    Delete(Rule.LastAckFinAcked);
                    return false;
            }
        }
        return true;
    }

    /// <summary>
    /// "If SND.WL1 &lt; SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =&lt; SEG.ACK), set SND.WND &lt;- SEG.WND"
    /// (RFC 9293 §3.10.7.4): only a newer segment may move the send window.
    /// </summary>
    private void UpdateWindow(Segment seg, bool force)
    {
        if (!force && !(_sndWl1 < seg.Seq || (_sndWl1 == seg.Seq && _sndWl2 <= seg.Ack)))
        {
            return;
        }
        var opened = SndWnd == 0 && seg.Window > 0;
        SndWnd = seg.Window;
        _sndWl1 = seg.Seq;
        _sndWl2 = seg.Ack;
        _maxSndWnd = Math.Max(_maxSndWnd, SndWnd);
        if (opened && IsTimerRunning(TimerKind.Persist))
        {
            StopTimer(TimerKind.Persist, Rule.WindowOpened);
            Retries = 0;
            if (SndNxt > SndUna && _p.WindowProbe == WindowProbeStyle.OneByte)
            {
                // The probe octet fell outside the zero window and was not accepted: send it again first.
                _retransmitUntil = SndMax;
                SndNxt = SndUna;
            }
        }
    }

    /// <summary>After processing an arrival: send what the new state allows, then any ACK still owed.</summary>
    private void FinishArrival()
    {
        if (Deleted)
        {
            return;
        }
        Output();
        if (_ackNow)
        {
            SendAck(_ackRule);
        }
    }

    private void Discard(Segment seg, Rule rule) => _env.Record(EventKind.SegmentDiscarded, Name, rule, seg);
}
