using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Tcp;

internal sealed partial class Connection
{
    private SendBuffer? _send;
    private long SendEnd => _send?.End ?? 0;
    // Below this, Output resends (go-back-N after a timeout or a fast retransmit). Set to SND.NXT on open: the zero
    // default compares modulo 2^32, so with an ISS in the upper half of the space every first transmission would
    // count as a retransmission (no RTT timing, no Nagle or SWS avoidance, the wrong rule).
    private SeqNum _retransmitUntil;

    // Receive side: unread data (when the application does not read at once) and out-of-order segments.
    public int RcvBuffer { get; }
    public bool AutoRead { get; }
    public int RcvUnread { get; private set; }
    private Queue<ReadOnlyMemory<byte>>? _unread;
    private List<OutOfOrder>? _ooo;
    private SeqNum _rcvEdge;        // RCV.NXT + RCV.WND as last advertised: the right edge never moves left
    private bool _rcvEdgeSet;
    private bool _finReceived;
    private bool _dataEverReceived;
    private int _rcvUnacked;        // octets received since the last ACK we sent

    // ACK bookkeeping: an ACK owed now (sent after output unless data carried it) or later (delayed-ACK timer).
    private bool _ackNow;
    private Rule _ackRule;
    private bool _ackPending;
    public int QuickAcksLeft { get; private set; }

    private readonly record struct OutOfOrder(SeqNum Seq, ReadOnlyMemory<byte> Data, bool Fin);

    /// <summary>Octets queued and not yet acknowledged (netstat's Send-Q).</summary>
    public int SendQueue => _send is null ? 0 : (int)Math.Max(0, SendEnd - SeqToOffset(SndUna));

    private bool HasDataToSend => SeqToOffset(SndNxt) < SendEnd;

    // Stream offset of SND.UNA: -1 while the SYN (which occupies ISS) is unacknowledged, then 0, 1, … Offsets are
    // 64-bit so a stream may run past 4 GiB while sequence numbers wrap.
    private long _sndUnaOffset = -1;

    /// <summary>Stream offset of a sequence number near SND.UNA (offset 0 is ISS + 1).</summary>
    private long SeqToOffset(SeqNum seq) => Math.Max(0, _sndUnaOffset + (seq - SndUna));

    /// <summary>SEND (RFC 9293 §3.10.2).</summary>
    public LabError? UserSend(ReadOnlyMemory<byte> data, int maxSendBuffer)
    {
        switch (State)
        {
            case TcpState.SynSent or TcpState.SynReceived or TcpState.Established or TcpState.CloseWait:
                break;
            case TcpState.FinWait1 or TcpState.FinWait2 or TcpState.Closing or TcpState.LastAck or TcpState.TimeWait:
                return LabError.Closing(Name, State);
            default:
                return LabError.DoesNotExist(Name, State);
        }
        if (_finQueued)
        {
            return LabError.Closing(Name, State);
        }
        if (SendQueue + (long)data.Length > maxSendBuffer)
        {
            return new LabError(LabErrorCode.LimitExceeded,
                $"the send buffer holds at most {maxSendBuffer} octets and {SendQueue} are waiting", "data");
        }
        _send ??= new SendBuffer();
        _send.Append(data); // the log's own copy: immutable, so segments can point into it
        _env.Record(EventKind.DataQueued, Name, Rule.DataQueued, value: data.Length, data: data);
        // In SYN_SENT and SYN_RECEIVED the data waits for ESTABLISHED ("queue the data for transmission after entering ESTABLISHED").
        Output();
        return null;
    }

    /// <summary>RECEIVE: hand up to <paramref name="maxBytes"/> unread octets to the application (0 = all).</summary>
    public LabError? UserRead(int maxBytes)
    {
        if (State is TcpState.Listen)
        {
            return LabError.Illegal(Name, State, "a listening socket has no data: accept a connection first");
        }
        var want = maxBytes <= 0 ? int.MaxValue : maxBytes;
        var chunks = new List<byte>();
        while (_unread is { Count: > 0 } && chunks.Count < want)
        {
            var chunk = _unread.Peek();
            var take = Math.Min(chunk.Length, want - chunks.Count);
            chunks.AddRange(chunk.Span[..take].ToArray());
            if (take == chunk.Length)
            {
                _unread.Dequeue();
            }
            else
            {
                _unread.Dequeue();
                var rest = new Queue<ReadOnlyMemory<byte>>();
                rest.Enqueue(chunk[take..]);
                while (_unread.Count > 0)
                {
                    rest.Enqueue(_unread.Dequeue());
                }
                _unread = rest;
            }
        }
        var read = chunks.ToArray();
        RcvUnread -= read.Length;
        BytesRead += read.Length;
        _env.Record(EventKind.DataDelivered, Name, read.Length == 0 ? Rule.ReadNothing : Rule.DataRead, value: read.Length, data: read);
        if (read.Length > 0 && State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
        {
            // Reading frees buffer space; tell the sender once the window grows enough to be worth it (SWS avoidance).
            var before = RcvWnd;
            UpdateReceiveWindow();
            if (RcvWnd > before && (before == 0 || RcvWnd - before >= Math.Min(RcvBuffer / 2, Math.Max(SendMss, 1))))
            {
                SendAck(Rule.WindowUpdate);
            }
        }
        return null;
    }

    /// <summary>
    /// Segmentize and send whatever the windows allow (RFC 9293 §3.7, §3.8.6.2.1; RFC 5681 cwnd), then the FIN
    /// once all data has gone.
    /// </summary>
    private void Output()
    {
        if (State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck))
        {
            return;
        }
        var sentAny = false;
        while (true)
        {
            var offset = SeqToOffset(SndNxt);
            var pending = SendEnd - offset;
            var finPending = _finQueued && SndNxt == FinSeq;
            if (pending <= 0 && !finPending)
            {
                break;
            }
            var inFlight = (long)(uint)(SndNxt - SndUna);
            var window = Math.Min((long)SndWnd, Cwnd);
            var usable = window - inFlight;
            var len = (int)Math.Min(Math.Min(pending, SendMss), Math.Max(usable, 0));
            var retransmission = SndNxt < _retransmitUntil;
            if (pending > 0 && len == 0)
            {
                break; // window or cwnd full: wait for an ACK (or the persist timer)
            }
            // SWS avoidance and Nagle decide when *new* data goes; a retransmission repairs a loss and goes at once.
            if (!retransmission && pending > 0 && len < pending && len < SendMss && len < _maxSndWnd / 2)
            {
                break; // sender SWS avoidance (§3.8.6.2.1): don't send a sliver of a window
            }
            var fin = _finQueued && offset + len == SendEnd;
            if (!retransmission && pending > 0 && len < SendMss && len == pending && !fin && _p.Nagle && SndMax > SndUna && SndNxt >= SndMax)
            {
                break; // Nagle (§3.7.4): one small segment in flight at a time
            }
            var flags = TcpFlags.Ack;
            if (len > 0 && offset + len == SendEnd)
            {
                flags |= TcpFlags.Psh; // the segment that empties the send buffer carries PSH, as Linux does
            }
            if (fin)
            {
                flags |= TcpFlags.Fin;
            }
            var rule = retransmission
                ? (len == 0 ? Rule.FinRetransmitted : Rule.DataRetransmitted)
                : (len == 0 ? Rule.FinSent : fin ? Rule.DataWithFinSent : Rule.DataSent);
            UpdateReceiveWindow();
            Send(flags, SndNxt, RcvNxt, rule, len > 0 ? _send!.Slice(offset, len) : default,
                origin: retransmission ? SegmentOrigin.Retransmission : SegmentOrigin.Original);
            if (!_timing && !retransmission && SndNxt >= SndMax)
            {
                StartTiming(SndNxt + len + (fin ? 1 : 0));
            }
            SndNxt += len + (fin ? 1 : 0);
            if (SndNxt > SndMax)
            {
                SndMax = SndNxt;
            }
            sentAny = true;
            if (!IsTimerRunning(TimerKind.Retransmission))
            {
                // RFC 6298 §5.1: start the timer when a segment with data (or FIN) leaves and it is not running.
                ArmRetransmissionTimer(Rule.RetransmissionTimerStarted, record: true);
            }
            if (fin)
            {
                break;
            }
        }
        if (!sentAny && HasDataToSend && SndMax == SndUna && !IsTimerRunning(TimerKind.Persist))
        {
            // Data waits and nothing is in flight to bring an ACK: with a zero window, probe it (RFC 9293 §3.8.6.1);
            // with a window too small to use, the same timer is the SWS override timeout (§3.8.6.2.1), as Linux's
            // tcp_check_probe_timer does. Either way the connection cannot stall.
            Retries = 0;
            ArmTimer(TimerKind.Persist, PersistIntervalUs(), SndWnd == 0 ? Rule.PersistTimerStarted : Rule.SwsOverrideTimerStarted);
        }
    }

    /// <summary>The SWS override timeout: send what the small window allows, ignoring Nagle and SWS avoidance.</summary>
    private void ForceSmallSegment()
    {
        var offset = SeqToOffset(SndNxt);
        var len = (int)Math.Min(Math.Min(SendEnd - offset, SendMss), SndWnd - (long)(uint)(SndNxt - SndUna));
        if (len <= 0)
        {
            return;
        }
        var fin = _finQueued && offset + len == SendEnd;
        var flags = TcpFlags.Ack | (offset + len == SendEnd ? TcpFlags.Psh : 0) | (fin ? TcpFlags.Fin : 0);
        UpdateReceiveWindow();
        Send(flags, SndNxt, RcvNxt, Rule.SwsOverrideSent, _send!.Slice(offset, len));
        SndNxt += len + (fin ? 1 : 0);
        if (SndNxt > SndMax)
        {
            SndMax = SndNxt;
        }
        if (!IsTimerRunning(TimerKind.Retransmission))
        {
            ArmTimer(TimerKind.Retransmission, RtoUs, Rule.RetransmissionTimerStarted);
        }
    }

    /// <summary>A new acknowledgment: advance SND.UNA, sample the RTT, grow cwnd, manage the timer (RFC 6298 §5.2–5.3).</summary>
    private void OnNewAck(Segment seg)
    {
        var ack = seg.Ack;
        var finWasAcked = FinAcked;
        var dataAcked = (long)(uint)(ack - SndUna);
        var ackedFin = _finQueued && !finWasAcked && ack == FinSeq + 1;
        if (ackedFin)
        {
            dataAcked--;
        }
        _sndUnaOffset += (uint)(ack - SndUna);
        SndUna = ack;
        if (SndNxt < SndUna)
        {
            SndNxt = SndUna;
        }
        BytesAcked += Math.Max(dataAcked, 0);
        _send?.Release(SeqToOffset(SndUna));
        if (_timing && ack >= _timedSeq)
        {
            SampleRtt(_env.NowUs - _timedAtUs);
            _timing = false;
        }
        Retries = 0;
        _dupAcks = 0;
        if (_inRecovery)
        {
            if (ack >= _recover)
            {
                _inRecovery = false;
                Cwnd = _ssthresh; // RFC 6582 §3.2 step 3: deflate the window on full acknowledgment
            }
        }
        else if (Cwnd < _ssthresh)
        {
            Cwnd += (int)Math.Min(dataAcked, SendMss); // RFC 5681 §3.1 slow start
        }
        else
        {
            Cwnd += Math.Max(1, SendMss * SendMss / Math.Max(Cwnd, 1)); // congestion avoidance
        }
        _probeSent = false;
        if (SndUna >= SndMax)
        {
            _probeArmed = false;
            StopTimer(TimerKind.Retransmission, Rule.AllDataAcked);
        }
        else
        {
            ArmRetransmissionTimer(Rule.RetransmissionTimerStarted, record: false);
        }
    }

    /// <summary>RFC 5681 §3.2: the third duplicate ACK triggers a fast retransmit of the earliest unacknowledged segment.</summary>
    private void OnDuplicateAck(Segment seg)
    {
        _dupAcks++;
        if (_dupAcks != _p.FastRetransmitDupAcks || _inRecovery)
        {
            if (_inRecovery)
            {
                Cwnd += SendMss; // inflate for each further duplicate (a segment has left the network)
            }
            return;
        }
        _ssthresh = Math.Max((int)(uint)(SndMax - SndUna) / 2, 2 * SendMss);
        _inRecovery = true;
        _recover = SndMax;
        _timing = false;
        // Only what was already sent is retransmitted: at most one MSS of the outstanding data.
        var outstanding = (long)(uint)(SndMax - SndUna);
        var len = (int)Math.Min(Math.Min(SendMss, Math.Max(0, SendEnd - SeqToOffset(SndUna))), outstanding);
        var fin = _finQueued && SeqToOffset(SndUna) + len == SendEnd && outstanding > len;
        var flags = TcpFlags.Ack | (fin ? TcpFlags.Fin : 0);
        UpdateReceiveWindow();
        Send(flags, SndUna, RcvNxt, Rule.FastRetransmit, len > 0 ? _send!.Slice(SeqToOffset(SndUna), len) : default,
            origin: SegmentOrigin.Retransmission);
        Cwnd = _ssthresh + (3 * SendMss);
        _ = seg;
    }

    /// <summary>Seventh and eighth checks (RFC 9293 §3.10.7.4): the segment's text, then its FIN.</summary>
    private void ProcessTextAndFin(Segment seg, SeqNum start, ReadOnlyMemory<byte> data, bool fin)
    {
        if (data.Length > 0)
        {
            if (State is not (TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2))
            {
                // CLOSE_WAIT, CLOSING, LAST_ACK: "This should not occur since a FIN has been received … Ignore the segment text."
                Discard(seg, Rule.TextAfterFinIgnored);
                return;
            }
            if (UserClosed && _p.CloseOrphans && State is TcpState.FinWait1 or TcpState.FinWait2)
            {
                // Linux tcp_rcv_state_process: an orphan cannot deliver data any more, so "RFC 1122 says we MUST send
                // a reset" — a RST for the segment, as for a closed port (trace f).
                _env.Record(EventKind.ConnectionReset, Name, Rule.OrphanDataReset, seg);
                Send(TcpFlags.Rst, seg.Ack, default, Rule.OrphanDataReset);
                Delete(Rule.OrphanDataReset);
                return;
            }
            if (start == RcvNxt)
            {
                var hadHole = _ooo is { Count: > 0 };
                AcceptInOrder(data, seg);
                if (fin)
                {
                    OnFin(seg);
                    fin = false;
                }
                if (hadHole)
                {
                    DrainOutOfOrder(seg);
                    // RFC 5681 §4.2: ACK at once when a segment fills (part of) a gap.
                    SetAckNow(Rule.GapFilled);
                }
            }
            else
            {
                StoreOutOfOrder(start, data, fin);
                // RFC 5681 §4.2 / RFC 9293 §3.10.7.4: an out-of-order segment draws an immediate duplicate ACK.
                _env.Record(EventKind.SegmentDiscarded, Name, Rule.OutOfOrderQueued, seg, value: data.Length);
                SetAckNow(Rule.OutOfOrderDupAck);
                return;
            }
        }
        if (fin)
        {
            if (start + data.Length == RcvNxt || (data.Length == 0 && start == RcvNxt))
            {
                OnFin(seg);
            }
            else
            {
                StoreOutOfOrder(start, default, fin: true);
                SetAckNow(Rule.OutOfOrderDupAck);
            }
        }
    }

    private void AcceptInOrder(ReadOnlyMemory<byte> data, Segment seg)
    {
        RcvNxt += data.Length;
        _dataEverReceived = true;
        _rcvUnacked += data.Length;
        if (AutoRead)
        {
            BytesRead += data.Length;
            _env.Record(EventKind.DataDelivered, Name, Rule.DataDelivered, seg, value: data.Length, data: data);
        }
        else
        {
            (_unread ??= new Queue<ReadOnlyMemory<byte>>()).Enqueue(data);
            RcvUnread += data.Length;
        }
        ScheduleAckForData();
    }

    /// <summary>Linux's quick-ACK start, "ACK every second full segment" (RFC 5681 §4.2), else the delayed-ACK timer.</summary>
    private void ScheduleAckForData()
    {
        if (_p.DelayedAckMs == 0)
        {
            SetAckNow(Rule.DataAcked);
        }
        else if (QuickAcksLeft > 0)
        {
            QuickAcksLeft--;
            SetAckNow(Rule.QuickAck);
        }
        else if (_rcvUnacked > SendMss)
        {
            SetAckNow(Rule.SecondFullSegmentAcked);
        }
        else
        {
            ScheduleDelayedAck();
        }
    }

    private void ScheduleDelayedAck()
    {
        _ackPending = true;
        if (!IsTimerRunning(TimerKind.DelayedAck))
        {
            var delayMs = _dataEverReceived ? _p.DelayedAckMs : _p.DelayedAckBeforeDataMs;
            ArmTimer(TimerKind.DelayedAck, Math.Max(delayMs, 0) * 1000L, Rule.DelayedAckArmed);
        }
    }

    private void SetAckNow(Rule rule)
    {
        if (!_ackNow)
        {
            _ackRule = rule;
        }
        _ackNow = true;
    }

    /// <summary>Any segment with ACK has just been sent: nothing is owed any more.</summary>
    private void ClearPendingAck()
    {
        _ackNow = false;
        _rcvUnacked = 0;
        if (_ackPending)
        {
            _ackPending = false;
            StopTimer(TimerKind.DelayedAck, Rule.AckPiggybacked);
        }
    }

    private void StoreOutOfOrder(SeqNum seq, ReadOnlyMemory<byte> data, bool fin)
    {
        _ooo ??= [];
        var i = 0;
        while (i < _ooo.Count && _ooo[i].Seq < seq)
        {
            i++;
        }
        if (i < _ooo.Count && _ooo[i].Seq == seq && _ooo[i].Data.Length >= data.Length && (_ooo[i].Fin || !fin))
        {
            return; // a duplicate of what is already queued
        }
        _ooo.Insert(i, new OutOfOrder(seq, data, fin));
    }

    /// <summary>Moves queued out-of-order segments that now start at or before RCV.NXT into the stream.</summary>
    private void DrainOutOfOrder(Segment seg)
    {
        while (_ooo is { Count: > 0 } && _ooo[0].Seq <= RcvNxt)
        {
            var next = _ooo[0];
            _ooo.RemoveAt(0);
            var overlap = RcvNxt - next.Seq;
            if (overlap < next.Data.Length)
            {
                AcceptInOrder(next.Data[overlap..], seg);
            }
            if (next.Fin && next.Seq + next.Data.Length == RcvNxt && !_finReceived)
            {
                OnFin(seg);
            }
        }
    }

    /// <summary>
    /// RCV.WND with receiver SWS avoidance (RFC 9293 §3.8.6.2.2): the right edge RCV.NXT + RCV.WND stays put until the
    /// window can grow by min(RCV.BUFF / 2, MSS), and never moves left.
    /// </summary>
    private void UpdateReceiveWindow()
    {
        var free = (uint)Math.Max(0, RcvBuffer - RcvUnread);
        if (State is TcpState.Closed or TcpState.Listen or TcpState.SynSent && !_rcvEdgeSet)
        {
            RcvWnd = free;
            return;
        }
        if (!_rcvEdgeSet)
        {
            _rcvEdge = RcvNxt + free;
            _rcvEdgeSet = true;
        }
        var current = (uint)Math.Max(0, _rcvEdge - RcvNxt);
        if (free > current && free - current >= Math.Min(RcvBuffer / 2, Math.Max(SendMss, 1)))
        {
            current = free;
        }
        RcvWnd = current;
        _rcvEdge = RcvNxt + current;
    }
}
