namespace ConnLab.Engine.Lab;

/// <summary>How a zero-window probe looks on the wire.</summary>
public enum WindowProbeStyle
{
    /// <summary>RFC 9293 §3.8.6.1: send one octet of new data beyond the zero window.</summary>
    OneByte,
    /// <summary>Linux <c>tcp_xmit_probe_skb</c>: a pure ACK with seq = SND.UNA − 1, which the receiver must answer.</summary>
    OldSeqAck,
}

/// <summary>
/// Every tunable of the simulated TCP in one place. The two built-in profiles are <see cref="Rfc9293"/> (the textbook)
/// and <see cref="Linux"/> (Linux 6.18 defaults); a session may override any field.
/// </summary>
/// <remarks>
/// Sources: RFC 9293, RFC 6298 (RTO), RFC 5681/6928 (initial window), RFC 5961 (challenge ACKs), and for Linux
/// include/net/tcp.h, net/ipv4/*.c and Documentation/networking/ip-sysctl.rst as quoted in
/// shared/reference/tcp-reference.md §9 and §11, checked against the captures in shared/reference/linux-traces/.
/// </remarks>
public sealed record TcpProfile
{
    /// <summary>Profile name: <c>rfc9293</c> or <c>linux</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Initial retransmission timeout for SYN, SYN-ACK and data before an RTT sample exists.</summary>
    public int InitialRtoMs { get; init; } = 1000;

    /// <summary>Lower bound on the computed RTO.</summary>
    public int MinRtoMs { get; init; } = 1000;

    /// <summary>
    /// RTO = SRTT + max(4·RTTVAR, MinRto) as Linux computes it (tcp_rtt_estimator floors rttvar at tcp_rto_min),
    /// instead of RFC 6298's max(SRTT + max(G, 4·RTTVAR), MinRto).
    /// </summary>
    public bool MinRtoFloorsVariance { get; init; }

    /// <summary>Upper bound on the RTO after back-off.</summary>
    public int MaxRtoMs { get; init; } = 60_000;

    /// <summary>Retransmissions of a SYN before "connection timed out" (exponential part of the schedule).</summary>
    public int SynRetries { get; init; } = 7;

    /// <summary>Retransmissions of a SYN-ACK before a half-open connection is dropped.</summary>
    public int SynAckRetries { get; init; } = 5;

    /// <summary>SYN retransmissions that keep the initial RTO instead of doubling (Linux <c>tcp_syn_linear_timeouts</c>).</summary>
    public int SynLinearTimeouts { get; init; }

    /// <summary>
    /// A SYN also gives up once the time since the first SYN reaches the classic doubling schedule's total for
    /// <see cref="SynRetries"/> (Linux tcp_write_timeout → retransmits_timed_out → tcp_model_timeout).
    /// </summary>
    public bool SynGiveUpByModelTime { get; init; }

    /// <summary>Retransmissions of data or FIN before the connection is aborted ("connection timed out").</summary>
    public int DataRetries { get; init; } = 15;

    /// <summary>Maximum segment lifetime.</summary>
    public int MslMs { get; init; } = 120_000;

    /// <summary>How long TIME_WAIT lasts (2·MSL unless set).</summary>
    public int TimeWaitMs { get; init; } = 240_000;

    /// <summary>Lifetime of an orphaned FIN_WAIT_2 connection (one the user closed); 0 waits forever.</summary>
    public int FinWait2TimeoutMs { get; init; }

    /// <summary>The MSS this TCP advertises in its SYN (and the most it sends in one segment).</summary>
    public int Mss { get; init; } = 1460;

    /// <summary>The send MSS assumed when the peer's SYN carries no MSS option.</summary>
    public int DefaultPeerMss { get; init; } = 536;

    /// <summary>Delayed-ACK timeout; 0 acknowledges every segment at once.</summary>
    public int DelayedAckMs { get; init; }

    /// <summary>Delayed-ACK timeout before any data was received (Linux's ato starts at 0: the next tick).</summary>
    public int DelayedAckBeforeDataMs { get; init; }

    /// <summary>Segments acknowledged at once at the start of a connection (Linux quick-ack mode).</summary>
    public int QuickAckSegments { get; init; }

    /// <summary>Initial congestion window in segments.</summary>
    public int InitialWindowSegments { get; init; } = 3;

    /// <summary>
    /// Tail Loss Probe (RFC 8985 §7; Linux tcp_schedule_loss_probe): the first timeout after new data or a FIN is a
    /// probe at 2·SRTT (+ the minimum RTO when one segment is outstanding) that re-sends the last segment without
    /// backing off; the RTO proper follows. Linux does this on SACK connections, its default.
    /// </summary>
    public bool TailLossProbe { get; init; }

    /// <summary>Duplicate ACKs that trigger a fast retransmit.</summary>
    public int FastRetransmitDupAcks { get; init; } = 3;

    /// <summary>Hold back small segments while data is unacknowledged (Nagle, RFC 9293 §3.7.4).</summary>
    public bool Nagle { get; init; } = true;

    /// <summary>The receive buffer of each socket, in octets (the largest window it can offer; no window scaling).</summary>
    public int ReceiveBuffer { get; init; } = 65535;

    /// <summary>Minimum spacing of challenge ACKs and of ACKs to unacceptable zero-length segments, per socket; 0 = none.</summary>
    public int InvalidAckRateLimitMs { get; init; }

    /// <summary>Extra half-open (SYN queue) entries allowed beyond the listen backlog.</summary>
    public int SynQueueSlack { get; init; }

    /// <summary>Extra accept-queue entries allowed beyond the listen backlog.</summary>
    public int AcceptQueueSlack { get; init; }

    /// <summary>The largest listen backlog; larger values are clamped to it.</summary>
    public int MaxBacklog { get; init; } = 4096;

    /// <summary>Whether a listener sends SYN cookies when its SYN queue overflows, unless the session says otherwise.</summary>
    public bool SynCookiesByDefault { get; init; }

    /// <summary>Prune old half-open entries when the SYN queue is more than half full (Linux <c>reqsk_timer_handler</c>).</summary>
    public bool PruneSynQueue { get; init; }

    /// <summary>ABORT sends RST,ACK with ACK = RCV.NXT (Linux) instead of the RFC's bare RST.</summary>
    public bool AbortSendsRstAck { get; init; }

    /// <summary>How the persist timer probes a zero window.</summary>
    public WindowProbeStyle WindowProbe { get; init; } = WindowProbeStyle.OneByte;

    /// <summary>RFC 1337: ignore RSTs in TIME_WAIT instead of closing (TIME-WAIT assassination protection).</summary>
    public bool Rfc1337 { get; init; }

    /// <summary>A passive SYN_RECEIVED socket answers a retransmitted SYN by retransmitting its SYN-ACK (Linux).</summary>
    public bool SynAckOnDuplicateSyn { get; init; }

    /// <summary>In a simultaneous open, a SYN-ACK in SYN_RECEIVED completes the handshake at once (Linux).</summary>
    public bool SimultaneousOpenShortcut { get; init; }

    /// <summary>TIME_WAIT accepts a new SYN with a higher sequence number and reopens (Linux, RFC 6191).</summary>
    public bool TimeWaitAcceptsNewSyn { get; init; }

    /// <summary>RFC 5961 §5.2's MAX.SND.WND is bounded by the octets actually acknowledged (Linux tcp_ack: min(max_window, bytes_acked)).</summary>
    public bool AckWindowBoundedByBytesAcked { get; init; }

    /// <summary>After a FIN was received, an RST at RCV.NXT − 1 also resets (Linux tcp_reset_check).</summary>
    public bool RstAcceptsRcvNxtMinusOneAfterFin { get; init; }

    /// <summary>TIME_WAIT follows Linux tcp_timewait_state_process: bare ACKs restart the timer, other segments are ACKed and restart it, in-window RSTs are ignored.</summary>
    public bool LinuxTimeWait { get; init; }

    /// <summary>A listener silently drops a SYN that also carries FIN (Linux tcp_rcv_state_process).</summary>
    public bool ListenerDropsSynFin { get; init; }

    /// <summary>CLOSE orphans the socket as close() does on Linux: data arriving after it draws a RST, unread data turns the FIN into a RST.</summary>
    public bool CloseOrphans { get; init; }

    /// <summary>
    /// The textbook: RFC 9293 with RFC 6298 timers. Every segment that needs an ACK gets one at once, so the classic
    /// pictures (4-segment teardown) come out exactly; MSL is 2 minutes.
    /// </summary>
    public static TcpProfile Rfc9293 { get; } = new()
    {
        Name = "rfc9293",
        InitialRtoMs = 1000,   // RFC 6298 §2.1
        MinRtoFloorsVariance = false,
        MinRtoMs = 1000,       // RFC 6298 §2.4 "Whenever RTO is computed, if it is less than 1 second, then the RTO SHOULD be rounded up to 1 second"
        MaxRtoMs = 60_000,     // RFC 6298 §2.5 "A maximum value MAY be placed on RTO provided it is at least 60 seconds"
        SynRetries = 7,        // RFC 9293 §3.8.3: R2 for a SYN at least 3 minutes: 6 retries give up at 123 s, 7 at 183 s (RTO capped at 60 s)
        SynAckRetries = 5,     // not fixed by the RFC; the same count Linux uses
        SynLinearTimeouts = 0, // the classic doubling schedule
        SynGiveUpByModelTime = false,
        DataRetries = 15,      // RFC 9293 §3.8.3: R2 at least 100 s; 15 doublings from 1 s capped at 60 s is far beyond
        MslMs = 120_000,       // RFC 9293 §3.4.2: "MSL … is 2 minutes"
        TimeWaitMs = 240_000,  // 2·MSL, RFC 9293 §3.4.2 / MUST-13
        FinWait2TimeoutMs = 0, // the RFC has no FIN-WAIT-2 timeout
        Mss = 1460,            // 1500-byte Ethernet MTU − 20 IPv4 − 20 TCP
        DefaultPeerMss = 536,  // RFC 9293 §3.7.1: without the option, assume 536 (576 − 40)
        DelayedAckMs = 0,      // the textbook acknowledges at once
        DelayedAckBeforeDataMs = 0,
        QuickAckSegments = 0,
        InitialWindowSegments = 3, // RFC 5681 §3.1: IW = 3·SMSS for 1095 < SMSS ≤ 2190
        FastRetransmitDupAcks = 3, // RFC 5681 §3.2
        TailLossProbe = false,
        Nagle = true,          // RFC 9293 §3.7.4 (SHLD-7)
        ReceiveBuffer = 65535,
        InvalidAckRateLimitMs = 0, // RFC 5961 §7 only says SHOULD throttle; the textbook answers every time
        SynQueueSlack = 0,
        AcceptQueueSlack = 0,
        MaxBacklog = 4096,
        SynCookiesByDefault = false,
        PruneSynQueue = false,
        AbortSendsRstAck = false,  // RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>
        WindowProbe = WindowProbeStyle.OneByte, // RFC 9293 §3.8.6.1
        Rfc1337 = false,           // RFC 9293 §3.10.7.4: RST in TIME-WAIT enters CLOSED
        SynAckOnDuplicateSyn = false,
        SimultaneousOpenShortcut = false,
        TimeWaitAcceptsNewSyn = false,
        AckWindowBoundedByBytesAcked = false,
        RstAcceptsRcvNxtMinusOneAfterFin = false,
        LinuxTimeWait = false,
        ListenerDropsSynFin = false,
        CloseOrphans = false,      // RFC CLOSE means "I have no more to send": the user can still receive
    };

    /// <summary>
    /// Linux 6.18 defaults, so traces can be held next to a capture of a real machine
    /// (shared/reference/linux-traces/).
    /// </summary>
    public static TcpProfile Linux { get; } = new()
    {
        Name = "linux",
        InitialRtoMs = 1000,   // TCP_TIMEOUT_INIT = 1*HZ, include/net/tcp.h
        MinRtoMs = 200,        // TCP_RTO_MIN = HZ/5; tcp_rto_min_us = 200000
        MinRtoFloorsVariance = true, // __tcp_set_rto: srtt/8 + rttvar, rttvar ≥ tcp_rto_min (RTO 204–208 ms on loopback, traces l3, l4)
        MaxRtoMs = 120_000,    // TCP_RTO_MAX = 120*HZ; tcp_rto_max_ms = 120000
        SynRetries = 6,        // TCP_SYN_RETRIES / net.ipv4.tcp_syn_retries
        SynAckRetries = 5,     // TCP_SYNACK_RETRIES / net.ipv4.tcp_synack_retries
        SynLinearTimeouts = 4, // net.ipv4.tcp_syn_linear_timeouts (Linux ≥ 6.5): SYN RTOs 1,1,1,1,1,2,4,… (trace g)
        SynGiveUpByModelTime = true, // TCP_SYNCNT=2 gives up at 7 s after 5 retransmissions (trace h_syn_timeout_syncnt2)
        DataRetries = 15,      // TCP_RETR2 / net.ipv4.tcp_retries2
        MslMs = 30_000,        // Linux has no MSL knob; TIME_WAIT is fixed at 60 s, i.e. 2·30 s
        TimeWaitMs = 60_000,   // TCP_TIMEWAIT_LEN = 60*HZ, not tunable
        FinWait2TimeoutMs = 60_000, // TCP_FIN_TIMEOUT = TCP_TIMEWAIT_LEN / net.ipv4.tcp_fin_timeout (orphans only)
        Mss = 1460,
        DefaultPeerMss = 536,  // TCP_MSS_DEFAULT
        DelayedAckMs = 40,     // TCP_DELACK_MIN = HZ/25 (FIN ACKs delayed 41–55 ms in traces a, c, f, l4)
        DelayedAckBeforeDataMs = 4, // icsk_ack.ato is 0 until data arrives: the "delayed" ACK leaves on the next tick (traces a: +2.5 ms)
        QuickAckSegments = 16, // TCP_MAX_QUICKACKS
        InitialWindowSegments = 10, // TCP_INIT_CWND, RFC 6928
        FastRetransmitDupAcks = 3,  // TCP_FASTRETRANS_THRESH
        TailLossProbe = true,       // net.ipv4.tcp_early_retrans = 3: FIN re-sent at +206 ms, RTOs +208, +424, +834 ms (trace k)
        Nagle = true,          // TCP_NODELAY off by default
        ReceiveBuffer = 65535,
        InvalidAckRateLimitMs = 500, // net.ipv4.tcp_invalid_ratelimit (tcp_oow_rate_limited); challenge ACKs too
        SynQueueSlack = 1,     // inet_csk_reqsk_queue_is_full: full when qlen > backlog → backlog+1 (trace l6: backlog 4 → 5 SYN-RECV)
        AcceptQueueSlack = 1,  // sk_acceptq_is_full: full when sk_ack_backlog > backlog → backlog+1 (listen(0) held 1)
        MaxBacklog = 4096,     // SOMAXCONN (include/linux/socket.h), net.core.somaxconn
        SynCookiesByDefault = true, // net.ipv4.tcp_syncookies = 1: cookies only when the SYN queue overflows
        PruneSynQueue = true,  // reqsk_timer_handler: old entries get fewer SYN-ACK retries when the queue is half full (trace m)
        AbortSendsRstAck = true,    // __tcp_close / tcp_send_active_reset: RST,ACK seq=SND.NXT ack=RCV.NXT (trace e1)
        WindowProbe = WindowProbeStyle.OldSeqAck, // tcp_xmit_probe_skb: ACK len 0 seq=SND.UNA−1 (traces l5, r)
        Rfc1337 = false,       // net.ipv4.tcp_rfc1337 = 0: an RST kills TIME-WAIT (probe 26)
        SynAckOnDuplicateSyn = true,     // tcp_check_req: retransmitted SYN → SYN-ACK again (trace l1 row 6)
        SimultaneousOpenShortcut = true, // tcp_validate_incoming special case (trace p)
        TimeWaitAcceptsNewSyn = true,    // tcp_timewait_state_process → TCP_TW_SYN
        AckWindowBoundedByBytesAcked = true,     // tcp_ack: min(tp->max_window, tp->bytes_acked) (probe 8b)
        RstAcceptsRcvNxtMinusOneAfterFin = true, // tcp_reset_check
        LinuxTimeWait = true,                    // tcp_timewait_state_process (trace k, probes 24–26)
        ListenerDropsSynFin = true,              // tcp_rcv_state_process, LISTEN: "if (th->fin) goto discard" (o #12b)
        CloseOrphans = true,   // close() orphans the socket (trace f, e2)
    };

    /// <summary>The built-in profiles by name.</summary>
    public static IReadOnlyList<TcpProfile> BuiltIn { get; } = [Rfc9293, Linux];

    /// <summary>Finds a built-in profile by name (case-insensitive).</summary>
    public static TcpProfile? Find(string? name) =>
        BuiltIn.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
