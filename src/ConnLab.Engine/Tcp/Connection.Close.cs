using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Tcp;

internal sealed partial class Connection
{
    private bool _finQueued;            // the user closed: a FIN follows the queued data
    private bool _closeAfterEstablished; // CLOSE in SYN_RECEIVED with data queued (RFC 9293 §3.10.4)

    /// <summary>The sequence number our FIN occupies (meaningful once the user closed).</summary>
    private SeqNum FinSeq => SndUna + (int)(SendEnd - _sndUnaOffset);

    /// <summary>Our FIN has been sent and acknowledged.</summary>
    private bool FinAcked => _finQueued && SndMax > FinSeq && SndUna == SndMax && SndUna == FinSeq + 1;

    /// <summary>
    /// CLOSE (RFC 9293 §3.10.4). <paramref name="orphan"/> is close() rather than shutdown(SHUT_WR): on the linux
    /// profile the socket is then an orphan (FIN_WAIT_2 timeout; data arriving afterwards draws a RST).
    /// </summary>
    public LabError? UserClose(bool orphan)
    {
        var orphanNow = orphan && _p.CloseOrphans;
        switch (State)
        {
            case TcpState.SynSent:
                // "Delete the TCB and return 'error: closing' responses to any queued SENDs, or RECEIVEs."
                UserClosed = true;
                Delete(Rule.CloseInSynSent);
                return null;
            case TcpState.SynReceived:
            case TcpState.Established:
            case TcpState.CloseWait:
                break;
            case TcpState.FinWait1 or TcpState.FinWait2 or TcpState.Closing or TcpState.LastAck or TcpState.TimeWait:
                if (orphanNow && !UserClosed)
                {
                    // close() after shutdown(): nothing new to send, but the socket becomes an orphan.
                    UserClosed = true;
                    _env.Record(EventKind.UserCall, Name, Rule.OrphanedAfterShutdown);
                    if (State == TcpState.FinWait2 && _p.FinWait2TimeoutMs > 0)
                    {
                        ArmTimer(TimerKind.FinWait2, _p.FinWait2TimeoutMs * 1000L, Rule.OrphanFinWait2Timer);
                    }
                    return null;
                }
                return LabError.Closing(Name, State);
            default:
                return LabError.DoesNotExist(Name, State);
        }
        if (_finQueued)
        {
            return LabError.Closing(Name, State);
        }
        if (orphanNow && RcvUnread > 0)
        {
            // Linux __tcp_close: closing with unread data sends RST,ACK instead of a FIN (trace e2; RFC 2525 §2.17).
            UserClosed = true;
            SendReset(Rule.CloseWithUnreadData);
            _env.Record(EventKind.ConnectionReset, Name, Rule.CloseWithUnreadData, value: RcvUnread);
            Delete(Rule.CloseWithUnreadData);
            return null;
        }
        UserClosed |= orphanNow;
        _finQueued = true;
        switch (State)
        {
            case TcpState.SynReceived when SendEnd > 0:
                _closeAfterEstablished = true;
                _env.Record(EventKind.UserCall, Name, Rule.CloseQueuedUntilEstablished);
                return null;
            case TcpState.SynReceived:
            case TcpState.Established:
                SetState(TcpState.FinWait1, State == TcpState.SynReceived ? Rule.CloseInSynReceived : Rule.ActiveClose);
                break;
            case TcpState.CloseWait:
                SetState(TcpState.LastAck, Rule.PassiveClose);
                break;
        }
        Output();
        return null;
    }

    /// <summary>Eighth check, the FIN bit (RFC 9293 §3.10.7.4): the peer has no more data.</summary>
    private void OnFin(Segment seg)
    {
        if (_finReceived)
        {
            return;
        }
        _finReceived = true;
        RcvNxt += 1;
        switch (State)
        {
            case TcpState.SynReceived:
            case TcpState.Established:
                SetState(TcpState.CloseWait, Rule.FinReceived);
                if (_p.DelayedAckMs > 0)
                {
                    // Linux tcp_fin: ESTABLISHED → CLOSE_WAIT schedules a delayed ACK, so an application that closes
                    // at once sends FIN,ACK: the 3-segment close (traces a2, l1; 40 ms after data, trace c2).
                    ScheduleDelayedAck();
                }
                else
                {
                    SetAckNow(Rule.FinAcknowledged);
                }
                break;
            case TcpState.FinWait1:
                if (FinAcked)
                {
                    // Note 2 of Figure 5: FIN and the ACK of our FIN in one segment go straight to TIME_WAIT.
                    SetState(TcpState.TimeWait, Rule.FinWait1FinAndAck);
                    StartTimeWait(Rule.FinWait1FinAndAck);
                }
                else
                {
                    // Simultaneous close (RFC 9293 §3.6 Figure 13).
                    SetState(TcpState.Closing, Rule.SimultaneousClose);
                }
                SetAckNow(Rule.FinAcknowledged);
                break;
            case TcpState.FinWait2:
                StopTimer(TimerKind.FinWait2, Rule.FinWait2Fin);
                SetState(TcpState.TimeWait, Rule.FinWait2Fin);
                StartTimeWait(Rule.FinWait2Fin);
                SetAckNow(Rule.FinAcknowledged);
                break;
            default:
                SetAckNow(Rule.FinAcknowledged);
                break;
        }
        _ = seg;
    }

    /// <summary>Enter the 2·MSL wait: the other timers are turned off (RFC 9293 §3.10.7.4, TIME-WAIT).</summary>
    private void StartTimeWait(Rule rule)
    {
        StopTimer(TimerKind.Retransmission, rule, record: false);
        StopTimer(TimerKind.Persist, rule, record: false);
        if (_p.TimeWaitMs <= 0)
        {
            Delete(Rule.TimeWaitExpired);
            return;
        }
        ArmTimer(TimerKind.TimeWait, _p.TimeWaitMs * 1000L, Rule.TimeWaitStarted);
    }

    /// <summary>SEGMENT ARRIVES in TIME_WAIT: the RFC's checks, with Linux's tcp_timewait_state_process on that profile.</summary>
    private void ArriveInTimeWait(Segment seg)
    {
        var rst = seg.Has(TcpFlags.Rst);
        var syn = seg.Has(TcpFlags.Syn);
        if (syn && !rst && !seg.Has(TcpFlags.Ack) && _p.TimeWaitAcceptsNewSyn && seg.Seq > RcvNxt && Stack.HasListenerOn(Local.Port))
        {
            // Linux TCP_TW_SYN (RFC 6191 spirit): a new SYN with a higher sequence number reopens the port, and the
            // new ISS continues far beyond the old one: tw_snd_nxt + 65535 + 2.
            var iss = SndNxt + 65537;
            Discard(seg, Rule.TimeWaitReopened);
            Delete(Rule.TimeWaitReopened);
            Stack.DeliverToListener(seg, iss);
            return;
        }
        if (rst)
        {
            var exact = seg.Seq == RcvNxt;
            if (exact || (_p.Rfc1337 && IsAcceptable(seg)))
            {
                if (_p.Rfc1337)
                {
                    Discard(seg, Rule.Rfc1337RstIgnored);
                    return;
                }
                // TIME-WAIT assassination (RFC 1337): the RST ends the wait early.
                Delete(Rule.TimeWaitAssassinated);
                return;
            }
            if (IsAcceptable(seg) && !_p.LinuxTimeWait)
            {
                ChallengeAck(seg, Rule.ChallengeAckRst);
                return;
            }
            Discard(seg, Rule.RstOutOfWindow);
            return;
        }
        if (seg.Has(TcpFlags.Fin) && seg.Seq + seg.SeqLength == RcvNxt)
        {
            // A retransmitted FIN: our last ACK was lost. ACK it again and restart the 2·MSL timeout
            // (RFC 9293 §3.10.7.4 eighth, TIME-WAIT; trace l3: ss timer 59 s → 58 s → restarted).
            Discard(seg, Rule.TimeWaitFinRetransmitted);
            SendAck(Rule.TimeWaitFinRetransmitted);
            ArmTimer(TimerKind.TimeWait, _p.TimeWaitMs * 1000L, Rule.TimeWaitRestarted);
            return;
        }
        if (_p.LinuxTimeWait)
        {
            if (seg.Seq == RcvNxt && seg.SeqLength == 0)
            {
                // A bare in-window ACK: silently restart the timer (inet_twsk_reschedule).
                Discard(seg, Rule.TimeWaitAckRestarts);
                ArmTimer(TimerKind.TimeWait, _p.TimeWaitMs * 1000L, Rule.TimeWaitRestarted);
                return;
            }
            // Everything else is ACKed (rate-limited); an ACK-bearing segment also restarts the timer.
            if (seg.Has(TcpFlags.Ack))
            {
                ArmTimer(TimerKind.TimeWait, _p.TimeWaitMs * 1000L, Rule.TimeWaitRestarted);
            }
            if (InvalidAckAllowed())
            {
                Discard(seg, Rule.TimeWaitAck);
                SendAck(Rule.TimeWaitAck);
            }
            else
            {
                Discard(seg, Rule.InvalidAckRateLimited);
            }
            return;
        }
        if (syn)
        {
            ChallengeAck(seg, Rule.ChallengeAckSyn);
            return;
        }
        if (!IsAcceptable(seg))
        {
            Discard(seg, Rule.UnacceptableSegment);
            SendAck(Rule.UnacceptableSegment);
            return;
        }
        // An acceptable segment in TIME_WAIT carries nothing new (the peer's FIN was the end of its data).
        Discard(seg, Rule.TimeWaitNothingNew);
    }
}
