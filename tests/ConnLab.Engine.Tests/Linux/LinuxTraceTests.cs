using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Linux;

/// <summary>
/// The linux profile against real captures of Linux 6.18 on loopback (shared/reference/linux-traces): the same
/// scenario, driven through the simulator on a 10 µs link, must put the same segments on the wire — same sender,
/// flags, relative seq and ack, length — and the timer-driven ones at the same times (within timer-wheel slack).
/// </summary>
public class LinuxTraceTests
{
    private static TcpLab Loopback(EndpointConfig? server = null) => new("linux", new SessionConfig
    {
        Profile = "linux",
        Client = EndpointConfig.DefaultClient with { Isn = 3_000_000_000 },
        Server = server ?? EndpointConfig.DefaultServer with { Isn = 123_456 },
        Link = new LinkConfig { DelayMs = 0.01 },
    });

    private static void AssertShapes(string trace, TcpLab lab, params (int A, int B)[] swaps)
    {
        var expected = LinuxTrace.Load(trace).Select(p => p.Shape).ToList();
        foreach (var (a, b) in swaps)
        {
            (expected[a], expected[b]) = (expected[b], expected[a]);
        }
        Assert.Equal(expected, LinuxTrace.FromSession(lab.Session).Select(p => p.Shape));
    }

    /// <summary>Times agree within the kernel's timer slack: 5 % or 12 ms (a few jiffies at HZ=250).</summary>
    private static void AssertTimes(IEnumerable<double> expectedMs, IEnumerable<double> actualMs)
    {
        var e = expectedMs.ToList();
        var a = actualMs.ToList();
        Assert.Equal(e.Count, a.Count);
        for (var i = 0; i < e.Count; i++)
        {
            Assert.True(Math.Abs(e[i] - a[i]) <= Math.Max(12, e[i] * 0.05), $"packet {i}: Linux at {e[i]:0.#} ms, ConnLab at {a[i]:0.#} ms");
        }
    }

    [Fact]
    public void Client_close_with_a_fast_server_is_a_three_segment_close()
    {
        // a2: the server closes as soon as it reads EOF, inside the delayed-ACK window: FIN, FIN+ACK, ACK.
        var lab = Loopback().Established().Advance(250).Close(Client).Step().Close(Server).RunIdle();
        AssertShapes("a2_client_close_fast_server", lab);
        lab.ExpectState(Client, TcpState.TimeWait);
    }

    [Fact]
    public void Client_close_with_a_slow_server_is_four_segments_and_the_fin_ack_leaves_on_the_next_tick()
    {
        // a: ACK of the FIN +2.5 ms (no data ever received), server FIN 0.5 s later.
        var lab = Loopback().Established().Advance(200).Close(Client).RunIdle().Advance(500).Close(Server).RunIdle();
        AssertShapes("a_client_close", lab);
        var trace = LinuxTrace.Load("a_client_close");
        var sim = LinuxTrace.FromSession(lab.Session);
        Assert.InRange(sim[4].TimeMs - sim[3].TimeMs, 0.5, 5.0);
        Assert.InRange(trace[4].TimeMs - trace[3].TimeMs, 0.5, 5.0);
    }

    [Fact]
    public void Server_close_first_leaves_time_wait_on_the_server()
    {
        var lab = Loopback().Established().Advance(200).Close(Server).RunIdle().Advance(500).Close(Client).RunIdle();
        AssertShapes("b_server_close", lab);
        lab.ExpectState(Server, TcpState.TimeWait);
    }

    [Fact]
    public void Half_close_with_three_server_writes_matches_the_capture()
    {
        // c2: client sends 100 B and shuts down; the server writes 3 × 1000 B, each ACKed at once, then FIN.
        var lab = Loopback().Established().Send(Client, 100).RunIdle().Shutdown(Client).RunIdle();
        for (var i = 0; i < 3; i++)
        {
            lab.Send(Server, 1000).RunIdle();
        }
        lab.Close(Server).RunIdle();
        AssertShapes("c2_half_close_3x1000B", lab);
        // The ACK of the client's FIN is delayed: 41 ms in the capture, 40 ms (TCP_DELACK_MIN) here.
        var sim = LinuxTrace.FromSession(lab.Session);
        Assert.Equal(40, sim[6].TimeMs - sim[5].TimeMs, 1);
    }

    [Fact]
    public void Syn_to_a_closed_port_is_answered_with_rst_ack()
    {
        AssertShapes("d2_closed_port", Loopback().Connect().RunIdle());
    }

    [Fact]
    public void Abort_with_linger_zero_sends_rst_ack_at_snd_nxt()
    {
        AssertShapes("e1_abort_linger0", Loopback().Established().Send(Client, 5).RunIdle().Advance(200).Abort(Client).RunIdle());
    }

    [Fact]
    public void Close_with_unread_data_resets_instead_of_fin()
    {
        var lab = Loopback(EndpointConfig.DefaultServer with { Isn = 123_456, AutoRead = false })
            .Established().Send(Client, 7).RunIdle().Advance(100).Close(Server).RunIdle();
        AssertShapes("e2_close_with_unread_data", lab);
    }

    [Fact]
    public void Simultaneous_close_crosses_two_fins_and_both_sides_end_in_time_wait()
    {
        // f: the kernel processed the client's FIN only after the server's own FIN left (0.5 ms later), so the
        // client's ACK went first; here both FINs cross on a 10 µs link and the first FIN to land is acked first.
        var lab = Loopback().Established().Advance(51).Close(Client).Close(Server).RunIdle();
        AssertShapes("f_simultaneous_close", lab, (5, 6));
        lab.ExpectState(Client, TcpState.TimeWait).ExpectState(Server, TcpState.TimeWait);
    }

    [Fact]
    public void Lost_syn_is_retransmitted_after_one_second()
    {
        var lab = Loopback().Listen().Connect().DropInFlight().RunIdle().Advance(21).Close(Client).Step().Close(Server).RunIdle();
        AssertShapes("g_syn_lost_once", lab);
        AssertTimes([1010.4], [LinuxTrace.FromSession(lab.Session)[1].TimeMs]);
    }

    [Fact]
    public void Syn_retransmission_schedule_matches_the_default_kernel()
    {
        // h_syn_timeout_default: every SYN dropped; ten retransmissions, then ETIMEDOUT at 134 s (131 s + slack).
        var lab = Loopback().Connect();
        while (lab.Session.StateOf(Client) != TcpState.Closed)
        {
            lab.DropInFlight().Step();
        }
        AssertShapes("h_syn_timeout_default", lab);
        AssertTimes(LinuxTrace.Load("h_syn_timeout_default").Select(p => p.TimeMs), LinuxTrace.FromSession(lab.Session).Select(p => p.TimeMs));
    }

    [Fact]
    public void Syn_retries_two_gives_up_after_five_retransmissions()
    {
        var config = new SessionConfig
        {
            Profile = "linux",
            Client = EndpointConfig.DefaultClient with { Isn = 1 },
            Link = new LinkConfig { DelayMs = 0.01 },
            Overrides = new ProfileOverrides { SynRetries = 2 },
        };
        var syncnt2 = new TcpLab("linux", config).Connect();
        while (syncnt2.Session.StateOf(Client) != TcpState.Closed)
        {
            syncnt2.DropInFlight().Step();
        }
        AssertShapes("h_syn_timeout_syncnt2", syncnt2);
        AssertTimes(LinuxTrace.Load("h_syn_timeout_syncnt2").Select(p => p.TimeMs), LinuxTrace.FromSession(syncnt2.Session).Select(p => p.TimeMs));
    }

    [Fact]
    public void Syn_ack_lost_twice_is_repaired_by_the_retransmitted_syn()
    {
        // i: at 1 s both timers fire within 43 µs; the kernel's timer wheel happened to fire the server's first,
        // ours fires the one armed first (the client's): rows 3 and 4 cross.
        var lab = Loopback().Listen().Connect().Step().DropInFlight();
        lab.Step(2).DropInFlight(Server); // both timers fire at 1 s; the server's timer-driven SYN,ACK is lost too
        lab.RunIdle().Advance(29).Close(Client).Step().Close(Server).RunIdle();
        AssertShapes("i_synack_lost_twice", lab, (2, 3));
    }

    [Fact]
    public void Lost_final_ack_is_repaired_by_the_first_data_segment()
    {
        var lab = Loopback().Listen().Connect().Step(2).DropInFlight().Advance(295)
            .ExpectState(Server, TcpState.SynReceived).Send(Client, 19).RunIdle();
        lab.ExpectState(Server, TcpState.Established);
        lab.Close(Client).Step().Close(Server).RunIdle();
        AssertShapes("j_final_ack_lost_then_data", lab);
    }

    [Fact]
    public void Lost_final_acks_make_last_ack_probe_then_back_off_and_time_wait_answers_each_fin()
    {
        // k: FIN at 0.213 s; the client's ACKs are lost for 4 s: TLP +206 ms, RTOs +208, +424, +834, +1663, +3327 ms.
        var lab = Loopback().Established().Advance(103.7).Close(Client).RunIdle().Advance(106).Close(Server);
        var start = lab.NowMs;
        while (lab.NowMs < start + 7_000)
        {
            foreach (var f in lab.Session.Snapshot().InFlight.Where(f => f.Segment.Source.Port == 40000 && lab.NowMs < start + 4_000))
            {
                lab.Do(new DropSegmentCommand(f.Segment.Id));
            }
            if (lab.Do(new StepCommand(1)).StepsTaken == 0)
            {
                break;
            }
        }
        var trace = LinuxTrace.Load("k_last_ack_lost_fin_retransmit");
        var sim = LinuxTrace.FromSession(lab.Session);
        Assert.Equal(trace.Select(p => p.Shape), sim.Take(trace.Count).Select(p => p.Shape));
        var fins = (IEnumerable<Packet> ps) => ps.Where(p => p.Who == "server" && p.Flags == "AF").Select(p => p.TimeMs - ps.First(q => q.Who == "server" && q.Flags == "AF").TimeMs);
        AssertTimes(fins(trace), fins(sim.Take(trace.Count)));
        Assert.Contains(lab.Events, e => e.Rule == Rule.TailLossProbe);
    }

    [Fact]
    public void Lost_fin_is_resent_by_the_tail_loss_probe_and_acked_after_the_delayed_ack()
    {
        // l4: FIN dropped; re-sent +204 ms; the server's ACK waits 44 ms (40 ms here); server FIN 0.8 s later.
        var lab = Loopback().Established().Send(Client, 5).RunIdle().Advance(303).Close(Client).DropInFlight().RunIdle()
            .Advance(800).Close(Server).RunIdle();
        var trace = LinuxTrace.Load("l4_lost_fin");
        var sim = LinuxTrace.FromSession(lab.Session);
        // The capture shows the dropped FIN (tcpdump sees it before the drop); so does our wire.
        Assert.Equal(trace.Select(p => p.Shape), sim.Select(p => p.Shape));
        AssertTimes([trace[6].TimeMs - trace[5].TimeMs], [sim[6].TimeMs - sim[5].TimeMs]);
    }

    [Fact]
    public void Simultaneous_open_with_crossing_retransmitted_syns_sends_six_handshake_segments()
    {
        // p: the first SYNs are dropped; at 1.03 s the retransmissions cross. The kernel fired port 5302's timer
        // first; ours fires the client's first (armed first), so rows 3 and 4 cross.
        var lab = new TcpLab("linux", new SessionConfig
        {
            Profile = "linux",
            Client = new EndpointConfig { Address = "10.0.0.1", Port = 5301, Isn = 77 },
            Server = new EndpointConfig { Address = "10.0.0.2", Port = 5302, Isn = 9_000 },
            Link = new LinkConfig { DelayMs = 0.01 },
        });
        lab.Connect(Client).Connect(Server).DropInFlight().RunIdle().Advance(826).Send(Client, 6).RunIdle()
            .Close(Client).Step().Close(Server).RunIdle();
        var expected = LinuxTrace.Load("p_simultaneous_open", clientPort: 5301).Select(p => p.Shape).ToList();
        (expected[2], expected[3]) = (expected[3], expected[2]);
        // The SYN,ACKs also cross: each side answers the other's SYN at once.
        (expected[4], expected[5]) = (expected[5], expected[4]);
        (expected[6], expected[7]) = (expected[7], expected[6]);
        Assert.Equal(expected, LinuxTrace.FromSession(lab.Session).Select(p => p.Shape));
    }

    [Fact]
    public void Syn_flood_without_cookies_fills_backlog_plus_one_and_drops_the_client()
    {
        // l6_synflood_nocookies: listen(4), 8 spoofed SYNs 50 ms apart: 5 SYN,ACKs (retransmitted at +1 s and +3 s),
        // SYNs 6–8 and the legitimate client's SYNs (+1, +2, +3, +4 s) dropped.
        var lab = Loopback(EndpointConfig.DefaultServer with { Isn = 123_456, Backlog = 4, SynCookies = false }).Listen();
        for (var i = 0; i < 8; i++)
        {
            lab.Inject(Client, $"SYN seq={1000 + (100 * i)} len=0", source: $"10.0.0.99:{40000 + i}");
            lab.Advance(50);
        }
        lab.Advance(311).Connect().Advance(4100);
        var trace = LinuxTrace.Load("l6_synflood_nocookies", clientPort: 46001);
        var sim = LinuxTrace.FromSession(lab.Session);
        static int SynAcks(IEnumerable<Packet> ps) => ps.Count(p => p.Flags == "SA");
        Assert.Equal(SynAcks(trace), SynAcks(sim)); // 5 + 5 + 5
        var traceLegit = LinuxTrace.Load("l6_synflood_nocookies").Where(p => p.Flags == "S").Skip(8).Select(p => p.TimeMs).ToList();
        var simLegit = lab.Events.Where(e => e.Kind == EventKind.SegmentSent && e.Endpoint == "client").Select(e => e.TimeMs).ToList();
        AssertTimes(traceLegit.Select(t => t - traceLegit[0]), simLegit.Select(t => t - simLegit[0]));
        Assert.Equal(5, lab.Session.Snapshot().Listener!.SynQueue);
        lab.ExpectState(Client, TcpState.SynSent);
    }

    [Fact]
    public void Lost_syn_ack_is_repaired_when_both_timers_fire_and_the_duplicate_syn_is_answered()
    {
        // l1: the first SYN,ACK is lost; at 1 s both ends retransmit. The kernel fired the server's timer 31 µs
        // first (rows 2, 3) and its SYN,ACK reached the client before the duplicate SYN's answer did (rows 4, 5);
        // ours fires in arming order and answers on arrival, so those two pairs cross. Then 5 bytes and a
        // 3-segment close (the server closes inside its delayed-ACK window, so its ACK rides on its FIN).
        var lab = Loopback().Listen().Connect().Step().DropInFlight(Server).RunIdle();
        lab.ExpectState(Client, TcpState.Established).ExpectState(Server, TcpState.Established);
        lab.Send(Client, 5).RunIdle().Advance(300).Close(Client).Step().Close(Server).RunIdle();
        AssertShapes("l1_lost_synack", lab, (2, 3), (4, 5));
        var trace = LinuxTrace.Load("l1_lost_synack", clientPort: 46001);
        AssertTimes([trace[2].TimeMs, trace[3].TimeMs], LinuxTrace.FromSession(lab.Session).Where(p => p.TimeMs > 900).Take(2).Select(p => p.TimeMs));
    }

    [Fact]
    public void Lost_final_ack_with_a_silent_client_is_repaired_by_the_syn_ack_retransmission()
    {
        // l2b: the handshake's ACK is lost and the client sends nothing: the server re-sends its SYN,ACK after
        // 1 s (1.028 s with the kernel's timer slack), the client re-ACKs, and only then is the server ESTABLISHED.
        var lab = Loopback().Listen().Connect().Step(2).DropInFlight().Advance(999)
            .ExpectState(Server, TcpState.SynReceived).RunIdle();
        lab.ExpectState(Server, TcpState.Established);
        lab.Advance(2510 - lab.NowMs).Close(Client).Step().Close(Server).RunIdle();
        AssertShapes("l2b_lost_final_ack_no_data", lab);
        var trace = LinuxTrace.Load("l2b_lost_final_ack_no_data", clientPort: 46001);
        AssertTimes([trace[3].TimeMs], [LinuxTrace.FromSession(lab.Session)[3].TimeMs]);
    }

    [Fact]
    public void Lost_last_ack_makes_last_ack_resend_its_fin_and_time_wait_answers_it()
    {
        // l3: the client closes first (its FIN's ACK is delayed 44 ms); the server closes 0.3 s later; the client's
        // ACK of that FIN is lost, so the server (LAST_ACK) re-sends the FIN 208 ms later and TIME_WAIT re-ACKs it.
        var lab = Loopback().Established().Send(Client, 5).RunIdle().Advance(300).Close(Client).RunIdle();
        lab.ExpectState(Client, TcpState.FinWait2);
        lab.Advance(604.1 - lab.NowMs).Close(Server).Step().DropInFlight().RunIdle();
        lab.ExpectState(Client, TcpState.TimeWait).ExpectState(Server, TcpState.Listen); // its connection is gone; the listener remains
        AssertShapes("l3_lost_last_teardown_ack", lab);
        var trace = LinuxTrace.Load("l3_lost_last_teardown_ack", clientPort: 46001);
        var sim = LinuxTrace.FromSession(lab.Session);
        AssertTimes([trace[6].TimeMs - trace[5].TimeMs, trace[9].TimeMs - trace[7].TimeMs],
            [sim[6].TimeMs - sim[5].TimeMs, sim[9].TimeMs - sim[7].TimeMs]);
    }

    [Fact]
    public void Syn_linear_timeouts_zero_gives_the_classic_doubling_schedule()
    {
        // g0: tcp_syn_linear_timeouts=0: SYNs at 0, +1.02, 3.04, 7.26, 15.46, 31.59, 65.38 s (textbook 1, 3, 7, 15,
        // 31, 63: the kernel's timer slack adds up to ~4 %), then ETIMEDOUT at +130.7 s.
        var lab = new TcpLab("linux", new SessionConfig
        {
            Profile = "linux",
            Link = new LinkConfig { DelayMs = 0.01 },
            Overrides = new ProfileOverrides { SynLinearTimeouts = 0 },
        }).Connect();
        while (lab.Session.StateOf(Client) != TcpState.Closed)
        {
            lab.DropInFlight().Step();
        }
        var syns = LinuxTrace.Load("g0_syn_retrans_linear0", clientPort: 44670).Where(p => p.Flags == "S" && p.Who == "client").Select(p => p.TimeMs).ToList();
        var ours = lab.Events.Where(e => e.Kind == EventKind.SegmentSent && e.Endpoint == "client").Select(e => e.TimeMs).ToList();
        AssertTimes(syns.Select(t => t - syns[0]), ours);
        var timedOut = Assert.Single(lab.Events, e => e.Kind == EventKind.ConnectionTimedOut);
        AssertTimes([131_113.1 - 202.6], [timedOut.TimeMs]);
    }

    [Fact]
    public void Data_to_an_orphaned_fin_wait_2_socket_is_answered_with_a_bare_rst()
    {
        // f_server_never_closes: the client closes and its socket is orphaned in FIN_WAIT_2; the server never closes
        // but writes 4 octets 2.3 s later: the orphan cannot deliver them and answers RST seq=SEG.ACK, without ACK.
        var lab = Loopback().Established().Advance(300).Send(Client, 5).RunIdle().Advance(300).Close(Client).RunIdle();
        lab.ExpectState(Client, TcpState.FinWait2).ExpectState(Server, TcpState.CloseWait);
        lab.Advance(2915.2 - lab.NowMs).Send(Server, 4).RunIdle();
        AssertShapes("f_server_never_closes", lab);
        var trace = LinuxTrace.Load("f_server_never_closes");
        var sim = LinuxTrace.FromSession(lab.Session);
        AssertTimes([trace[6].TimeMs - trace[5].TimeMs], [sim[6].TimeMs - sim[5].TimeMs]); // the FIN's delayed ACK
        lab.ExpectState(Client, TcpState.Closed).ExpectState(Server, TcpState.Listen);
    }
}
