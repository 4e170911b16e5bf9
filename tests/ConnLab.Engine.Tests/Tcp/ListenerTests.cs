using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Tcp;

/// <summary>Backlog, SYN (half-open) queue, accept queue and SYN cookies (reference §9, §11.4–11.5; traces l6, m, n).</summary>
public class ListenerTests
{
    private static TcpLab ServerWith(string profile, int backlog, bool? cookies = null, bool autoAccept = true) => new(profile, new SessionConfig
    {
        Profile = profile,
        Client = EndpointConfig.DefaultClient with { Isn = 1000 },
        Server = EndpointConfig.DefaultServer with { Isn = 5000, Backlog = backlog, SynCookies = cookies, AutoAccept = autoAccept },
    });

    private static ListenerView Queues(TcpLab lab) => lab.Session.Snapshot().Listener!;

    [Fact]
    public void Linux_syn_queue_holds_backlog_plus_one_half_open_entries_and_drops_the_rest_without_cookies()
    {
        // Trace l6_synflood_nocookies: backlog 4 → 5 SYN-RECV, SYNs 6-8 dropped silently.
        var lab = ServerWith("linux", backlog: 4, cookies: false).Listen();
        lab.Do(new SynFloodCommand(8));
        lab.Step(8);
        var q = Queues(lab);
        Assert.Equal((5, 5, 3L), (q.SynQueue, q.SynQueueLimit, q.SynQueueDrops));
        Assert.Equal(3, lab.Events.Count(e => e.Kind == EventKind.SynQueueOverflow));
        Assert.Equal(5, lab.Session.Snapshot().Sockets.Count(s => s.State == TcpState.SynReceived));
    }

    [Fact]
    public void Rfc_syn_queue_holds_exactly_backlog_entries()
    {
        var lab = ServerWith("rfc9293", backlog: 4).Listen();
        lab.Do(new SynFloodCommand(8));
        lab.Step(8);
        Assert.Equal(4, Queues(lab).SynQueue);
    }

    [Fact]
    public void Legitimate_client_cannot_get_in_while_the_syn_queue_is_full_without_cookies()
    {
        var lab = ServerWith("linux", backlog: 4, cookies: false).Listen();
        lab.Do(new SynFloodCommand(10));
        lab.Connect().Step(11);
        lab.ExpectState(Client, TcpState.SynSent);
        Assert.Equal(TcpState.Listen, lab.Session.StateOf(EndpointRole.Server));
    }

    [Fact]
    public void Syn_cookies_answer_once_the_syn_queue_overflows_and_the_client_gets_in()
    {
        // Trace l6_synflood_cookies: same 5 half-open entries, the rest get cookie SYN,ACKs; the client is instant.
        var lab = ServerWith("linux", backlog: 4, cookies: true).Listen();
        lab.Do(new SynFloodCommand(8));
        lab.Step(8);
        Assert.Equal((5, 3L), (Queues(lab).SynQueue, Queues(lab).CookiesSent));
        lab.Connect().Do(new RunCommand(RunUntil.State, Client, TcpState.Established, MaxSteps: 100));
        lab.Do(new RunCommand(RunUntil.State, EndpointRole.Server, TcpState.Established, MaxSteps: 100));
        var cookieAck = lab.Events.Single(e => e.Kind == EventKind.SynCookieAccepted);
        Assert.Equal("server", cookieAck.Endpoint);
        Assert.Equal(1460, cookieAck.Value);
        Assert.Equal(5, Queues(lab).SynQueue); // the client never occupied a half-open slot
    }

    [Fact]
    public void Syn_cookie_is_not_sent_while_the_syn_queue_has_room()
    {
        var lab = ServerWith("linux", backlog: 4, cookies: true).Listen().Connect().RunIdle();
        Assert.DoesNotContain(lab.Events, e => e.Kind == EventKind.SynCookieSent);
    }

    [Fact]
    public void Syn_cookie_encodes_the_clients_mss_rounded_down_to_the_table()
    {
        var lab = ServerWith("linux", backlog: 0, cookies: true).Listen();
        lab.Inject(Client, "SYN seq=100 len=0 mss=1400", source: "10.0.0.50:2000"); // fills the one half-open slot
        lab.Step();
        lab.DropInFlight();
        lab.Deliver(Client, "SYN seq=1000 len=0 mss=1400");
        var cookieSynAck = lab.Events.Last(e => e.Kind == EventKind.SegmentSent && e.Rule == Rule.SynCookieSent).Segment!;
        Assert.Equal(1300, lab.Events.Last(e => e.Kind == EventKind.SynCookieSent).Value);
        lab.DropInFlight().Deliver(Client, $"ACK seq=1001 ack={cookieSynAck.Seq.Value + 1} len=0");
        Assert.Equal(1300, lab.Session.Snapshot().Sockets.Single(s => s.Remote == "10.0.0.1:40000").Mss);
    }

    [Fact]
    public void Forged_cookie_ack_is_answered_with_a_reset()
    {
        var lab = ServerWith("linux", backlog: 0, cookies: true).Listen();
        lab.Inject(Client, "SYN seq=100 len=0", source: "10.0.0.50:2000");
        lab.Inject(Client, "SYN seq=200 len=0", source: "10.0.0.51:2000"); // overflows: cookies are now checked
        lab.Step(2).DropInFlight();
        lab.Deliver(Client, "ACK seq=1001 ack=123456 len=0").ExpectSent(Server, "RST seq=123456 len=0")
            .ExpectNoEvent(EventKind.SynCookieAccepted);
    }

    [Fact]
    public void Cookie_expires_after_two_periods()
    {
        var lab = ServerWith("linux", backlog: 0, cookies: true).Listen();
        lab.Inject(Client, "SYN seq=100 len=0", source: "10.0.0.50:2000");
        lab.Step().DropInFlight();
        lab.Deliver(Client, "SYN seq=1000 len=0");
        var cookie = lab.Events.Last(e => e.Kind == EventKind.SegmentSent && e.Rule == Rule.SynCookieSent).Segment!.Seq.Value;
        lab.DropInFlight().Advance(110_000); // still within the 2-minute window since the overflow… but the cookie clock moved on
        lab.Inject(Client, "SYN seq=300 len=0", source: "10.0.0.52:2000"); // a fresh overflow keeps cookies checked
        lab.Step().DropInFlight();
        lab.Deliver(Client, $"ACK seq=1001 ack={cookie + 1} len=0");
        var accepted = lab.Events.Any(e => e.Kind == EventKind.SynCookieAccepted);
        var minutesOld = 110 / 60;
        Assert.Equal(minutesOld < 2, accepted);
    }

    [Fact]
    public void Accept_queue_full_drops_syns_even_with_cookies()
    {
        // Trace n: listen(2), no accept(): 3 handshakes complete, further SYNs get no SYN,ACK.
        // Peers at an address no simulated host owns play the crafted clients of the capture (scapy there).
        var lab = ServerWith("linux", backlog: 2, cookies: true, autoAccept: false).Listen();
        for (var port = 2000; port < 2005; port++)
        {
            var source = $"10.0.0.99:{port}";
            lab.Deliver(Client, "SYN seq=100 len=0", source: source);
            var synAck = lab.Events.LastOrDefault(e => e.Kind == EventKind.SegmentSent && e.Segment!.Destination.ToString() == source)?.Segment;
            if (synAck is not null)
            {
                lab.Deliver(Client, $"ACK seq=101 ack={synAck.Seq.Value + 1} len=0", source: source);
            }
        }
        var q = Queues(lab);
        Assert.Equal((3, 3), (q.AcceptQueue, q.AcceptQueueLimit));
        Assert.Equal(2, lab.Events.Count(e => e.Kind == EventKind.AcceptQueueOverflow && e.Rule == Rule.AcceptQueueFullSynDrop));
    }

    [Fact]
    public void Accept_takes_the_oldest_connection_and_frees_a_slot()
    {
        var lab = ServerWith("linux", backlog: 0, autoAccept: false).Listen().Connect().RunIdle();
        Assert.Equal(1, Queues(lab).AcceptQueue);
        lab.Accept().ExpectEvent(EventKind.ConnectionAccepted, Rule.UserAccepted, "server");
        Assert.Equal(0, Queues(lab).AcceptQueue);
    }

    [Fact]
    public void Non_spoofed_flood_is_cleaned_up_by_the_attackers_own_resets()
    {
        // The flood comes from the client host: its TCP has no socket for those ports and resets every SYN,ACK.
        var lab = ServerWith("linux", backlog: 8, cookies: false).Listen();
        lab.Do(new SynFloodCommand(5, Spoofed: false));
        lab.RunIdle(100);
        Assert.Equal(0, Queues(lab).SynQueue);
        Assert.Equal(5, lab.Events.Count(e => e.Kind == EventKind.StateChanged && e.Rule == Rule.SynReceivedRstToListen));
    }

    [Fact]
    public void Spoofed_syn_acks_reach_no_host()
    {
        var lab = ServerWith("linux", backlog: 8).Listen();
        lab.Do(new SynFloodCommand(3));
        lab.Step(6);
        Assert.Equal(3, lab.Events.Count(e => e.Kind == EventKind.SegmentDropped && e.Rule == Rule.NoSuchHost));
        Assert.Equal(3, Queues(lab).SynQueue);
    }

    [Fact]
    public void Linux_prunes_old_half_open_entries_when_the_queue_is_more_than_half_full()
    {
        // Trace m: listen(8), 20 spoofed SYNs, cookies off: 9 SYN-RECV; entries not young get SYN,ACKs at
        // 0, 1, 3 s and are gone by ≈7 s instead of 63 s.
        var lab = ServerWith("linux", backlog: 8, cookies: false).Listen();
        lab.Do(new SynFloodCommand(20));
        lab.Advance(6_500);
        Assert.Equal(9, Queues(lab).SynQueue);
        lab.Advance(1_000);
        Assert.True(Queues(lab).SynQueue < 9, $"expected pruning by 7.5 s, still {Queues(lab).SynQueue}");
        Assert.Contains(lab.Events, e => e.Rule == Rule.HalfOpenPruned);
        Assert.All(lab.Events.Where(e => e.Rule == Rule.HalfOpenPruned && e.Kind == EventKind.HalfOpenDropped), e => Assert.Equal(2, e.Value));
    }

    [Fact]
    public void Rfc_profile_does_not_prune()
    {
        var lab = ServerWith("rfc9293", backlog: 8, cookies: false).Listen();
        lab.Do(new SynFloodCommand(20));
        lab.Advance(30_000);
        Assert.Equal(8, Queues(lab).SynQueue);
    }

    [Fact]
    public void Backlog_is_clamped_to_the_maximum()
    {
        var lab = ServerWith("linux", backlog: 60_000).Listen();
        Assert.Equal(4096, Queues(lab).Backlog);
    }

    [Fact]
    public void Closing_the_listener_drops_half_open_entries_and_resets_unaccepted_connections()
    {
        var lab = ServerWith("linux", backlog: 8, cookies: false, autoAccept: false).Listen().Connect().RunIdle();
        lab.Do(new SynFloodCommand(2));
        lab.Step(2).Skip();
        // The server endpoint is the client's (unaccepted) connection; close it (implicit accept), then the listener.
        lab.Abort(Server).Close(Server);
        Assert.Null(lab.Session.Snapshot().Listener);
        Assert.DoesNotContain(lab.Session.Snapshot().Sockets, s => s.Name.StartsWith("server", StringComparison.Ordinal));
    }
}
