#!/usr/bin/env python3
"""Generates src/ConnLab.Engine/Lab/Rule.cs and Explanations.g.cs from one table, so the enum,
its references and its explanation texts never drift apart. Run: python3 tools/rules.py"""
import pathlib

# name, reference, C# interpolated explanation (e = the event; Seg, Val, From, To, Timer, Due are helpers)
RULES = [
 # --- user calls ---
 ("CallListen", "RFC 9293 §3.10.1", '$"{e.Endpoint} calls OPEN (passive): listen on its port"'),
 ("CallConnect", "RFC 9293 §3.10.1", '$"{e.Endpoint} calls OPEN (active): connect to its peer"'),
 ("CallSend", "RFC 9293 §3.10.2", '$"{e.Endpoint} calls SEND with {e.Value} octets"'),
 ("CallClose", "RFC 9293 §3.10.4", '$"{e.Endpoint} calls CLOSE: it has no more data to send"'),
 ("CallShutdown", "RFC 9293 §3.10.4; POSIX shutdown(SHUT_WR)", '$"{e.Endpoint} calls shutdown(SHUT_WR): send a FIN but keep receiving"'),
 ("CallAbort", "RFC 9293 §3.10.5", '$"{e.Endpoint} calls ABORT: drop the connection at once"'),
 ("CallAccept", "POSIX accept()", '$"{e.Endpoint} calls accept(): take the oldest established connection from the accept queue"'),
 ("CallRead", "RFC 9293 §3.10.3", '$"{e.Endpoint} calls RECEIVE for {(e.Value == 0 ? "all waiting" : e.Value.ToString(Inv))} octets"'),
 ("CallSynFlood", "RFC 4987 §2", '$"attacker sends {e.Value} SYNs from its own address to fill the listener\'s SYN queue"'),
 ("CallSynFloodSpoofed", "RFC 4987 §2", '$"attacker sends {e.Value} SYNs from spoofed addresses nobody answers for: each leaves a half-open entry behind"'),
 # --- opening ---
 ("PassiveOpen", "RFC 9293 §3.10.1", '$"{e.Endpoint}: passive OPEN: CLOSED -> LISTEN, waiting for a SYN"'),
 ("ActiveOpen", "RFC 9293 §3.10.1", '$"{e.Endpoint}: active OPEN: choose an ISS, send SYN, CLOSED -> SYN_SENT"'),
 ("SynSent", "RFC 9293 §3.10.1", '$"{e.Endpoint} sends {Seg(e)}: <SEQ=ISS><CTL=SYN>, SND.UNA = ISS, SND.NXT = ISS+1; the MSS option tells the peer the largest segment it accepts"'),
 ("ListenSynReceived", "RFC 9293 §3.10.7.2", '$"{e.Endpoint}: a SYN in LISTEN: IRS = SEG.SEQ, RCV.NXT = SEG.SEQ+1, a new half-open connection answers SYN,ACK; the listener itself keeps listening"'),
 ("SynAckSent", "RFC 9293 §3.10.7.2", '$"{e.Endpoint} sends {Seg(e)}: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> acknowledges the SYN and synchronizes its own ISS"'),
 ("SynSentSynAck", "RFC 9293 §3.10.7.3", '$"{e.Endpoint}: SYN,ACK acknowledges our SYN (SND.UNA > ISS): SYN_SENT -> ESTABLISHED, reply <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"'),
 ("HandshakeCompleted", "RFC 9293 §3.10.7.4 (fifth)", '$"{e.Endpoint}: the ACK acknowledges our SYN (SND.UNA < SEG.ACK =< SND.NXT): SYN_RECEIVED -> ESTABLISHED; the 3-way handshake is complete"'),
 ("SimultaneousOpen", "RFC 9293 §3.5 Figure 7; MUST-10", '$"{e.Endpoint}: a SYN (without ACK) while in SYN_SENT: simultaneous open, SYN_SENT -> SYN_RECEIVED"'),
 ("SimultaneousOpenSynAck", "RFC 9293 §3.10.7.3", '$"{e.Endpoint} sends {Seg(e)}: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> — the same ISS as its first SYN, now with an ACK"'),
 ("SimultaneousOpenSynAckAccepted", "Linux tcp_validate_incoming (trace p)", '$"{e.Endpoint}: the peer\'s SYN,ACK acknowledges our SYN: SYN_RECEIVED -> ESTABLISHED (Linux accepts it although its SYN is an old sequence number)"'),
 ("SimultaneousOpenFinalAck", "Linux tcp_data_queue (trace p)", '$"{e.Endpoint} sends {Seg(e)}: the SYN,ACK\'s old sequence number is answered with an immediate pure ACK"'),
 ("HandshakeAckSent", "RFC 9293 §3.10.7.3", '$"{e.Endpoint} sends {Seg(e)}: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, the third segment of the handshake"'),
 ("ConnectionOpen", "RFC 9293 §3.5", '$"{e.Endpoint}: the connection is established (send MSS {e.Value}): data may flow both ways"'),
 ("TcbDeleted", "RFC 9293 §3.3.2", '$"{e.Endpoint}: the TCB is deleted; the connection no longer exists"'),
 ("SynAcknowledged", "RFC 6298 §5.2", '$"{e.Endpoint}: our SYN is acknowledged: its retransmission timer stops"'),
 ("SynSentBadAck", "RFC 9293 §3.10.7.3", '$"{e.Endpoint}: in SYN_SENT an ACK for something never sent (SEG.ACK =< ISS or > SND.NXT) is answered with <SEQ=SEG.ACK><CTL=RST>"'),
 ("SynSentRstBadAck", "RFC 9293 §3.10.7.3", '$"{e.Endpoint}: in SYN_SENT an RST whose ACK is not acceptable is dropped"'),
 ("SynSentRstRefused", "RFC 9293 §3.10.7.3", '$"{e.Endpoint}: RST with an acceptable ACK in SYN_SENT: \\"error: connection reset\\" — the connection is refused, SYN_SENT -> CLOSED"'),
 ("SynSentRstNoAck", "RFC 9293 §3.10.7.3", '$"{e.Endpoint}: in SYN_SENT an RST without ACK cannot refer to our SYN: dropped"'),
 ("SynSentNoSyn", "RFC 9293 §3.10.7.3 (fifth)", '$"{e.Endpoint}: in SYN_SENT a segment with neither SYN nor RST is dropped"'),
 ("SynCookieSent", "RFC 4987 §3.6; Linux tcp_conn_request, cookie_v4_init_sequence", '$"{e.Endpoint}: the SYN queue is full, so the SYN is answered with a SYN cookie: the ISS encodes the 4-tuple, a count of 60-second periods and MSS {e.Value}; no state is kept"'),
 ("SynCookieAccepted", "RFC 4987 §3.6; Linux cookie_v4_check", '$"{e.Endpoint}: ACK-1 is a valid SYN cookie (MSS {e.Value}): the connection is rebuilt from the ACK alone"'),
 ("SynCookieEstablished", "Linux cookie_v4_check, tcp_get_cookie_sock", '$"{e.Endpoint}: rebuilt from a SYN cookie: LISTEN -> ESTABLISHED without ever being half-open"'),
 ("TimeWaitReopened", "RFC 6191; Linux tcp_timewait_state_process (TCP_TW_SYN)", '$"{e.Endpoint}: a new SYN with a higher sequence number ends TIME_WAIT and opens a new connection (ISS = old SND.NXT + 65537)"'),
 ("QueuedCloseNowSent", "RFC 9293 §3.10.4", '$"{e.Endpoint}: the CLOSE queued in SYN_RECEIVED takes effect now that the connection is established: ESTABLISHED -> FIN_WAIT_1"'),
 # --- listener ---
 ("ListenRstIgnored", "RFC 9293 §3.10.7.2", '$"{e.Endpoint}: an RST in LISTEN cannot refer to anything this listener sent: ignored"'),
 ("ListenAckReset", "RFC 9293 §3.10.7.2", '$"{e.Endpoint}: \\"any acknowledgment is bad\\" in LISTEN: answer <SEQ=SEG.ACK><CTL=RST>"'),
 ("ListenOtherDropped", "RFC 9293 §3.10.7.2 (fourth)", '$"{e.Endpoint}: in LISTEN a segment without SYN, ACK or RST is dropped without reply"'),
 ("ListenSynFinDropped", "Linux tcp_rcv_state_process", '$"{e.Endpoint}: a SYN that also carries FIN is dropped by a Linux listener"'),
 ("SynQueueFullDrop", "Linux tcp_conn_request, inet_csk_reqsk_queue_is_full", '$"{e.Endpoint}: the SYN queue is full ({e.Value} half-open entries) and SYN cookies are off: the SYN is dropped silently, the client will retransmit"'),
 ("AcceptQueueFullSynDrop", "Linux tcp_conn_request, sk_acceptq_is_full", '$"{e.Endpoint}: the accept queue is full ({e.Value} connections not accepted): the SYN is dropped, even with SYN cookies"'),
 ("AcceptQueueFullAckDrop", "Linux tcp_check_req (tcp_abort_on_overflow = 0)", '$"{e.Endpoint}: the handshake\'s ACK arrived but the accept queue is full ({e.Value}): the ACK is ignored and the entry stays half-open"'),
 ("AutoAccepted", "POSIX accept()", '$"{e.Endpoint}: the application accepts the established connection at once"'),
 ("UserAccepted", "POSIX accept()", '$"{e.Endpoint}: accepted from the accept queue ({e.Value} still waiting)"'),
 ("ImplicitAccept", "POSIX accept()", '$"{e.Endpoint}: accepted from the accept queue so the application can use it"'),
 ("ListenerClosed", "RFC 9293 §3.10.4", '$"{e.Endpoint}: CLOSE in LISTEN: the listener is deleted, LISTEN -> CLOSED"'),
 ("ListenerAborted", "RFC 9293 §3.10.5", '$"{e.Endpoint}: ABORT in LISTEN: the listener is deleted, LISTEN -> CLOSED"'),
 ("ListenerClosedHalfOpen", "Linux inet_csk_listen_stop", '$"{e.Endpoint}: its listener closed, so this half-open connection is dropped"'),
 ("HalfOpenExpired", "Linux reqsk_timer_handler (tcp_synack_retries)", '$"{e.Endpoint}: no ACK after {e.Value} SYN,ACK retransmissions: the half-open entry is dropped"'),
 ("HalfOpenPruned", "Linux reqsk_timer_handler", '$"{e.Endpoint}: the SYN queue is more than half full, so this old half-open entry is pruned after {e.Value} SYN,ACK retransmissions to make room for young ones"'),
 # --- handshake problems ---
 ("SynReceivedBadAck", "RFC 9293 §3.10.7.4 (fifth)", '$"{e.Endpoint}: in SYN_RECEIVED an ACK that does not acknowledge our SYN draws <SEQ=SEG.ACK><CTL=RST>"'),
 ("SynReceivedRstToListen", "RFC 9293 §3.10.7.4 (second); Figure 5 note 1", '$"{e.Endpoint}: RST in SYN_RECEIVED reached by a passive OPEN: back to LISTEN"'),
 ("SynReceivedRstRefused", "RFC 9293 §3.10.7.4 (second)", '$"{e.Endpoint}: RST in SYN_RECEIVED reached by an active OPEN: \\"connection refused\\", -> CLOSED"'),
 ("SynReceivedSynToListen", "RFC 9293 §3.10.7.4 (fourth); erratum 8710", '$"{e.Endpoint}: a new in-window SYN in SYN_RECEIVED (passive open): the connection returns to LISTEN"'),
 ("SynReceivedSynReset", "Linux tcp_check_req", '$"{e.Endpoint}: a different SYN in SYN_RECEIVED resets the half-open request"'),
 ("DuplicateSynResendSynAck", "Linux tcp_check_req (trace l1)", '$"{e.Endpoint}: the client retransmitted its SYN, so our SYN,ACK may be lost: send it again"'),
 # --- segment arrival ---
 ("SegmentArrived", "RFC 9293 §3.10.7", '$"{Seg(e)} arrives at {e.Endpoint}"'),
 ("UnacceptableSegment", "RFC 9293 §3.10.7.4 (first)", '$"{e.Endpoint}: the segment fails the acceptability test (it is not inside RCV.NXT .. RCV.NXT+RCV.WND): reply <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and drop it"'),
 ("InvalidAckRateLimited", "RFC 5961 §7; Linux tcp_invalid_ratelimit", '$"{e.Endpoint}: no reply to this unacceptable segment: one was sent less than the rate limit ago"'),
 ("DataBeyondWindow", "RFC 9293 §3.10.7.4; §3.8.6", '$"{e.Endpoint} sends {Seg(e)}: octets beyond the receive window were not accepted; the ACK reports the window"'),
 ("NoAckDropped", "RFC 9293 §3.10.7.4 (fifth)", '$"{e.Endpoint}: \\"if the ACK bit is off drop the segment\\""'),
 ("TextAfterFinIgnored", "RFC 9293 §3.10.7.4 (seventh)", '$"{e.Endpoint}: data after the peer\'s FIN \\"should not occur\\": the text is ignored"'),
 ("OutOfOrderQueued", "RFC 9293 §3.10.7.4 (seventh)", '$"{e.Endpoint}: {e.Value} octets arrive ahead of RCV.NXT: kept in the out-of-order queue"'),
 ("OutOfOrderDupAck", "RFC 5681 §4.2", '$"{e.Endpoint} sends {Seg(e)}: an out-of-order segment is answered at once with a duplicate ACK for RCV.NXT"'),
 ("GapFilled", "RFC 5681 §4.2", '$"{e.Endpoint} sends {Seg(e)}: the segment filled a gap, so the ACK leaves at once and covers everything now in order"'),
 # --- data ---
 ("DataQueued", "RFC 9293 §3.10.2", '$"{e.Endpoint}: {e.Value} octets join the send buffer"'),
 ("DataSent", "RFC 9293 §3.7", '$"{e.Endpoint} sends {Seg(e)}: data from the send buffer, at most one MSS and within min(SND.WND, cwnd)"'),
 ("DataWithFinSent", "RFC 9293 §3.10.4", '$"{e.Endpoint} sends {Seg(e)}: the last data with the FIN in the same segment"'),
 ("DataDelivered", "RFC 9293 §3.10.7.4 (seventh)", '$"{e.Endpoint}: {e.Value} octets in order: RCV.NXT advances and the data goes to the application"'),
 ("DataRead", "RFC 9293 §3.10.3", '$"{e.Endpoint}: the application reads {e.Value} octets, freeing receive buffer space"'),
 ("ReadNothing", "RFC 9293 §3.10.3", '$"{e.Endpoint}: nothing waits to be read"'),
 ("DataAcked", "RFC 9293 §3.10.7.4 (seventh)", '$"{e.Endpoint} sends {Seg(e)}: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> acknowledges the data at once"'),
 ("QuickAck", "Linux tcp_event_data_recv (quick-ack mode, TCP_MAX_QUICKACKS 16)", '$"{e.Endpoint} sends {Seg(e)}: at the start of a connection Linux acknowledges data at once"'),
 ("SecondFullSegmentAcked", "RFC 5681 §4.2; RFC 1122 §4.2.3.2", '$"{e.Endpoint} sends {Seg(e)}: more than one full segment is unacknowledged, so the ACK is not delayed"'),
 ("DelayedAckArmed", "RFC 1122 §4.2.3.2; Linux TCP_DELACK_MIN", '$"{e.Endpoint}: the ACK waits {DurationMs(e.Value)} ms (until {Due(e)}) in case data or a FIN can carry it"'),
 ("DelayedAckSent", "RFC 1122 §4.2.3.2", '$"{e.Endpoint} sends {Seg(e)}: the delayed-ACK timer expired with nothing to piggyback on"'),
 ("AckPiggybacked", "RFC 9293 §3.8.6.3", '$"{e.Endpoint}: the pending ACK rides on an outgoing segment, so the delayed-ACK timer stops"'),
 ("WindowUpdate", "RFC 9293 §3.8.6.2.2", '$"{e.Endpoint} sends {Seg(e)}: a window update — the application read enough to reopen the window"'),
 ("WindowOpened", "RFC 9293 §3.8.6.1", '$"{e.Endpoint}: the peer opened its window: the persist timer stops"'),
 ("AllDataAcked", "RFC 6298 §5.2", '$"{e.Endpoint}: all outstanding data is acknowledged: the retransmission timer stops"'),
 ("FastRetransmit", "RFC 5681 §3.2", '$"{e.Endpoint} sends {Seg(e)}: three duplicate ACKs mean this segment was lost: retransmit it without waiting for the timer"'),
 ("ZeroWindowProbe", "RFC 9293 §3.8.6.1; Linux tcp_xmit_probe_skb", '$"{e.Endpoint} sends {Seg(e)}: the peer\'s window is zero, so a probe asks whether it has reopened"'),
 ("PersistTimerStarted", "RFC 9293 §3.8.6.1", '$"{e.Endpoint}: the peer advertised a zero window with data waiting: the persist timer will probe it in {DurationMs(e.Value)} ms (at {Due(e)})"'),
 ("SwsOverrideTimerStarted", "RFC 9293 §3.8.6.2.1; Linux tcp_check_probe_timer", '$"{e.Endpoint}: the peer\'s window is too small to be worth a segment (SWS avoidance): if it does not grow within {DurationMs(e.Value)} ms, send what fits anyway"'),
 ("SwsOverrideSent", "RFC 9293 §3.8.6.2.1", '$"{e.Endpoint} sends {Seg(e)}: the SWS override timeout expired, so the data that fits the small window goes now"'),
 ("PersistBackoff", "RFC 9293 §3.8.6.1; Linux tcp_probe0_when", '$"{e.Endpoint}: the next window probe in {DurationMs(e.Value)} ms, at {Due(e)} (the interval doubles each time)"'),
 ("AckOfUnsentData", "RFC 9293 §3.10.7.4 (fifth); RFC 5961 §5.2", '$"{e.Endpoint}: SEG.ACK acknowledges data never sent (> SND.NXT): answer with an ACK and drop the segment"'),
 ("ChallengeAckOldAck", "RFC 5961 §5.2", '$"{e.Endpoint}: SEG.ACK is older than SND.UNA - MAX.SND.WND: a challenge ACK, the segment is dropped"'),
 # --- closing ---
 ("ActiveClose", "RFC 9293 §3.10.4", '$"{e.Endpoint}: CLOSE in ESTABLISHED: a FIN follows the queued data, ESTABLISHED -> FIN_WAIT_1"'),
 ("PassiveClose", "RFC 9293 §3.10.4", '$"{e.Endpoint}: CLOSE in CLOSE_WAIT: send our FIN, CLOSE_WAIT -> LAST_ACK"'),
 ("CloseInSynSent", "RFC 9293 §3.10.4", '$"{e.Endpoint}: CLOSE in SYN_SENT: delete the TCB, -> CLOSED"'),
 ("CloseInSynReceived", "RFC 9293 §3.10.4", '$"{e.Endpoint}: CLOSE in SYN_RECEIVED with nothing queued: send a FIN, -> FIN_WAIT_1"'),
 ("CloseQueuedUntilEstablished", "RFC 9293 §3.10.4", '$"{e.Endpoint}: CLOSE in SYN_RECEIVED with data queued: the FIN waits until ESTABLISHED"'),
 ("CloseWithUnreadData", "Linux __tcp_close; RFC 2525 §2.17", '$"{e.Endpoint}: close() with {e.Value} unread octets: Linux sends RST instead of FIN, so the peer learns data was lost"'),
 ("OrphanedAfterShutdown", "Linux tcp_close", '$"{e.Endpoint}: close() after shutdown(): the socket becomes an orphan"'),
 ("FinSent", "RFC 9293 §3.10.4", '$"{e.Endpoint} sends {Seg(e)}: the FIN, after all queued data; it consumes one sequence number"'),
 ("FinReceived", "RFC 9293 §3.10.7.4 (eighth)", '$"{e.Endpoint}: FIN received: RCV.NXT = FIN+1, the application sees end of data; ESTABLISHED -> CLOSE_WAIT"'),
 ("FinAcknowledged", "RFC 9293 §3.10.7.4 (eighth)", '$"{e.Endpoint} sends {Seg(e)}: acknowledges the FIN (ACK = FIN\'s SEQ + 1)"'),
 ("FinWait1FinAcked", "RFC 9293 §3.10.7.4 (fifth)", '$"{e.Endpoint}: our FIN is acknowledged: FIN_WAIT_1 -> FIN_WAIT_2, waiting for the peer\'s FIN"'),
 ("FinWait1FinAndAck", "RFC 9293 §3.10.7.4 (eighth); Figure 5 note 2", '$"{e.Endpoint}: FIN and the ACK of our FIN in one segment: FIN_WAIT_1 -> TIME_WAIT"'),
 ("SimultaneousClose", "RFC 9293 §3.6 Figure 13", '$"{e.Endpoint}: the peer\'s FIN crosses ours (it does not acknowledge our FIN): simultaneous close, FIN_WAIT_1 -> CLOSING"'),
 ("FinWait2Fin", "RFC 9293 §3.10.7.4 (eighth)", '$"{e.Endpoint}: FIN in FIN_WAIT_2: FIN_WAIT_2 -> TIME_WAIT"'),
 ("ClosingFinAcked", "RFC 9293 §3.10.7.4 (fifth)", '$"{e.Endpoint}: our FIN is acknowledged in CLOSING: CLOSING -> TIME_WAIT"'),
 ("LastAckFinAcked", "RFC 9293 §3.10.7.4 (fifth)", '$"{e.Endpoint}: our FIN is acknowledged in LAST_ACK: delete the TCB, LAST_ACK -> CLOSED"'),
 ("OrphanFinWait2Timer", "Linux tcp_fin_timeout", '$"{e.Endpoint}: an orphaned FIN_WAIT_2 socket waits at most {DurationMs(e.Value)} ms (until {Due(e)}) for the peer\'s FIN"'),
 ("FinWait2Expired", "Linux tcp_fin_timeout (trace l)", '$"{e.Endpoint}: the orphaned FIN_WAIT_2 socket timed out and disappears without a RST"'),
 ("TimeWaitStarted", "RFC 9293 §3.4.2, MUST-13", '$"{e.Endpoint}: TIME_WAIT lasts 2·MSL = {DurationMs(e.Value)} ms (until {Due(e)}) so a lost final ACK can be repeated and old duplicates die out"'),
 ("TimeWaitRestarted", "RFC 9293 §3.10.7.4 (eighth, TIME-WAIT)", '$"{e.Endpoint}: the 2·MSL timer restarts: TIME_WAIT now ends at {Due(e)}"'),
 ("TimeWaitFinRetransmitted", "RFC 9293 §3.10.7.4 (eighth, TIME-WAIT)", '$"{e.Endpoint}: a retransmitted FIN in TIME_WAIT means our last ACK was lost: ACK it again and restart the 2·MSL timeout"'),
 ("TimeWaitAck", "Linux tcp_timewait_state_process", '$"{e.Endpoint}: TIME_WAIT answers an out-of-window segment with an ACK"'),
 ("TimeWaitAckRestarts", "Linux tcp_timewait_state_process", '$"{e.Endpoint}: a bare ACK in TIME_WAIT restarts the timer"'),
 ("TimeWaitNothingNew", "RFC 9293 §3.10.7.4", '$"{e.Endpoint}: nothing new can arrive in TIME_WAIT: the segment is dropped"'),
 ("TimeWaitExpired", "RFC 9293 §3.10.8", '$"{e.Endpoint}: the time-wait timeout expired: delete the TCB, TIME_WAIT -> CLOSED"'),
 ("TimeWaitAssassinated", "RFC 1337; Linux tcp_rfc1337 = 0", '$"{e.Endpoint}: an RST in TIME_WAIT ends the wait early (TIME-WAIT assassination), -> CLOSED"'),
 ("Rfc1337RstIgnored", "RFC 1337", '$"{e.Endpoint}: RFC 1337 protection: an RST in TIME_WAIT is ignored"'),
 ("TimersStoppedOnClose", "RFC 9293 §3.10.8", '$"{e.Endpoint}: the TCB is deleted, so its {Timer(e)} timer stops"'),
 # --- resets ---
 ("ClosedPortReset", "RFC 9293 §3.10.7.1", 'e.Kind == EventKind.SegmentSent ? $"{e.Endpoint} sends {Seg(e)}: the reset for a segment no connection wants ({(e.Segment is {} r && r.Has(TcpFlags.Ack) ? "it had no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>" : "it had an ACK: <SEQ=SEG.ACK><CTL=RST>")})" : $"{e.Endpoint}: no connection and no listener for this port: reply with a reset ({(e.Segment is {} s && s.Has(TcpFlags.Ack) ? "<SEQ=SEG.ACK><CTL=RST>" : "<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>")})"'),
 ("ClosedRstDropped", "RFC 9293 §3.10.7.1", '$"{e.Endpoint}: an RST for a connection that does not exist is discarded"'),
 ("RstOutOfWindow", "RFC 5961 §3.2", '$"{e.Endpoint}: an RST outside the receive window is silently dropped"'),
 ("RstResets", "RFC 9293 §3.10.7.4 (second); RFC 5961 §3.2", '$"{e.Endpoint}: RST with SEQ = RCV.NXT exactly: \\"connection reset\\", -> CLOSED"'),
 ("RstWhileClosing", "RFC 9293 §3.10.7.4 (second)", '$"{e.Endpoint}: RST in CLOSING or LAST_ACK: delete the TCB, -> CLOSED"'),
 ("ChallengeAckRst", "RFC 5961 §3.2", '$"{e.Endpoint}: an RST inside the window but not at RCV.NXT may be forged: send a challenge ACK instead of resetting"'),
 ("ChallengeAckSyn", "RFC 5961 §4.2; RFC 9293 §3.10.7.4 (fourth)", '$"{e.Endpoint}: a SYN in a synchronized state, whatever its sequence number: send a challenge ACK"'),
 ("ChallengeAckSuppressed", "RFC 5961 §7; Linux tcp_invalid_ratelimit", '$"{e.Endpoint}: a challenge ACK is due, but one was sent less than {e.Value} ms ago: suppressed"'),
 ("UserAbort", "RFC 9293 §3.10.5", '$"{e.Endpoint}: ABORT: send a reset <SEQ=SND.NXT><CTL=RST>, delete the TCB, -> CLOSED"'),
 ("AbortInSynSent", "RFC 9293 §3.10.5", '$"{e.Endpoint}: ABORT in SYN_SENT: delete the TCB, no segment is sent"'),
 ("AbortWhileClosing", "RFC 9293 §3.10.5", '$"{e.Endpoint}: ABORT in CLOSING, LAST_ACK or TIME_WAIT: respond ok and delete the TCB, no RST"'),
 ("OrphanDataReset", "Linux tcp_rcv_state_process; RFC 1122 §4.2.2.13", '$"{e.Endpoint}: data for a socket the application has closed cannot be delivered: reset the connection"'),
 # --- timers ---
 ("TimerExpired", "RFC 9293 §3.10.8", '$"{e.Endpoint}: the {Timer(e)} timer expires"'),
 ("RetransmissionTimerStarted", "RFC 6298 §5.1", '$"{e.Endpoint}: the retransmission timer starts: if no ACK arrives within the RTO of {DurationMs(e.Value)} ms (by {Due(e)}), retransmit"'),
 ("RetransmissionBackoff", "RFC 6298 §5.5", '$"{e.Endpoint}: back off: the next retransmission in {DurationMs(e.Value)} ms, at {Due(e)}"'),
 ("LossProbeArmed", "RFC 8985 §7.2; Linux tcp_schedule_loss_probe", '$"{e.Endpoint}: a tail loss probe is scheduled: if nothing is acknowledged within {DurationMs(e.Value)} ms (2·SRTT, by {Due(e)}), re-send the last segment"'),
 ("TailLossProbe", "RFC 8985 §7.3; Linux tcp_send_loss_probe", '$"{e.Endpoint} sends {Seg(e)}: tail loss probe — the last segment again, to draw an ACK before the full RTO (no back-off)"'),
 ("SynRetransmitted", "RFC 6298 §5.4; Linux tcp_retransmit_timer", '$"{e.Endpoint} sends {Seg(e)}: no SYN,ACK arrived in time, so the SYN goes again"'),
 ("SynAckRetransmitted", "RFC 6298 §5.4; Linux inet_rtx_syn_ack", '$"{e.Endpoint} sends {Seg(e)}: no ACK for our SYN,ACK in time, so it goes again"'),
 ("DataRetransmitted", "RFC 6298 §5.4; RFC 9293 §3.8.1", '$"{e.Endpoint} sends {Seg(e)}: retransmission from SND.UNA after the retransmission timeout"'),
 ("FinRetransmitted", "RFC 6298 §5.4", '$"{e.Endpoint} sends {Seg(e)}: the FIN was not acknowledged in time: retransmit it"'),
 ("SynRetriesExhausted", "RFC 9293 §3.8.3; Linux tcp_syn_retries", '$"{e.Endpoint}: no answer after {e.Value} retransmissions: \\"connection timed out\\", -> CLOSED"'),
 ("DataRetriesExhausted", "RFC 9293 §3.8.3 (R2); Linux tcp_retries2", '$"{e.Endpoint}: {e.Value} retransmissions without an ACK: the connection is aborted (\\"connection timed out\\")"'),
 # --- link and lab ---
 ("TimedOutClosed", "RFC 9293 §3.10.8", '$"{e.Endpoint}: the connection timed out: delete the TCB, -> CLOSED"'),
 ("LinkLoss", "the link (seeded loss)", '$"{Seg(e)} is lost on the link"'),
 ("LinkDuplicated", "the link (seeded duplication)", '$"the link duplicates segment {e.Segment?.DuplicateOf}: a second copy arrives a moment later"'),
 ("NoSuchHost", "RFC 4987 §2 (spoofed sources)", '$"{Seg(e)} is addressed to a host that does not exist: nobody answers"'),
 ("DroppedByUser", "lab intervention", '$"segment {e.Segment?.Id} is removed from the wire: a lost {(e.Segment is {} s ? TcpFlagNames.ToLabel(s.Flags) : "segment")}"'),
 ("DuplicatedByUser", "lab intervention", '$"segment {e.Segment?.DuplicateOf} is duplicated: a second copy arrives a moment later"'),
 ("DelayedByUser", "lab intervention", '$"segment {e.Segment?.Id} is held back by {DurationMs(e.Value)} ms: it now arrives at {Due(e)}"'),
 ("Injected", "lab intervention (hping3/scapy style)", '$"a crafted {Seg(e)} is put on the wire from {e.Segment?.Source}"'),
 ("FloodSyn", "RFC 4987 §2", '$"flood {Seg(e)} from {e.Segment?.Source}"'),
 # --- added later: stored traces keep each rule as its number, so new rules go at the end ---
 ("SynLinearTimeout", "Linux tcp_syn_linear_timeouts (6.5+; trace g)", '$"{e.Endpoint}: no back-off yet: the next SYN in {DurationMs(e.Value)} ms, at {Due(e)}: Linux keeps the initial RTO for its first few SYN retransmissions, then doubles it"'),
]

def gen():
    root = pathlib.Path(__file__).resolve().parents[1] / "src/ConnLab.Engine/Lab"
    names = [r[0] for r in RULES]
    assert len(names) == len(set(names)), "duplicate rule"
    def words(n):
        out = ""
        for ch in n:
            if ch.isupper() and out: out += " "
            out += ch.lower()
        return out
    enum = ["// <auto-generated> by tools/rules.py: edit the table there, then run it. </auto-generated>",
            "namespace ConnLab.Engine.Lab;", "",
            "/// <summary>The rule that decided an event: the key to its explanation and its RFC (or Linux) reference.</summary>",
            "/// <remarks>Generated from tools/rules.py with <see cref=\"Explanations\"/>; the JSON name is kebab-case.</remarks>",
            "public enum Rule", "{"]
    for name, ref, _ in RULES:
        enum.append(f"    /// <summary>{words(name).capitalize()} ({ref.replace('&','&amp;').replace('<','&lt;')}).</summary>")
        enum.append(f"    {name},")
    enum.append("}")
    (root / "Rule.cs").write_text("\n".join(enum) + "\n")
    ex = ["// <auto-generated> by tools/rules.py: edit the table there, then run it. </auto-generated>",
          "using ConnLab.Engine.Tcp;", "", "namespace ConnLab.Engine.Lab;", "",
          "public static partial class Explanations", "{",
          "    private static readonly string[] References =", "    ["]
    for name, ref, _ in RULES:
        ex.append(f'        "{ref}",')
    ex += ["    ];", "", "    private static readonly string[] Names =", "    ["]
    for name, _, _ in RULES:
        kebab = "-".join(words(name).split())
        ex.append(f'        "{kebab}",')
    ex += ["    ];", "", "    private static string Text(LabEvent e) => e.Rule switch", "    {"]
    for name, _, text in RULES:
        ex.append(f"        Rule.{name} => {text},")
    ex += ['        _ => e.Rule.ToString(),', "    };", "}"]
    (root / "Explanations.g.cs").write_text("\n".join(ex) + "\n")
    print(f"{len(RULES)} rules")

if __name__ == "__main__":
    gen()
