using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Tcp;

public class DataTests
{
    private static TcpLab WithServer(string profile, EndpointConfig server) => new(profile, new SessionConfig
    {
        Profile = profile,
        Client = EndpointConfig.DefaultClient with { Isn = 1000 },
        Server = server with { Isn = 5000 },
    });

    [Fact]
    public void Send_segments_data_by_mss_within_the_initial_window()
    {
        // 3 × 1460 = the RFC 5681 initial window; the fourth segment waits for an ACK.
        var lab = TcpLab.Rfc().Established().Send(Client, 5000);
        Assert.Equal(
            ["ACK seq=1001 ack=5001 len=1460", "ACK seq=2461 ack=5001 len=1460", "ACK seq=3921 ack=5001 len=1460"],
            lab.Wire().Skip(3).Select(w => w.Text));
        lab.RunIdle();
        Assert.Equal(5000, lab.View(Server).BytesReceived);
        Assert.Equal(5000, lab.View(Client).BytesAcked);
        Assert.Equal("PSH,ACK seq=5381 ack=5001 len=620", lab.Wire().Last(w => w.Who == "client" && w.Text.Contains("len=620", StringComparison.Ordinal)).Text);
    }

    [Fact]
    public void Linux_initial_window_is_ten_segments()
    {
        var lab = TcpLab.Linux().Established().Send(Client, 20_000);
        Assert.Equal(10, lab.Wire().Skip(3).Count(w => w.Who == "client"));
    }

    [Fact]
    public void Every_in_order_segment_is_acknowledged_cumulatively_rfc()
    {
        var lab = TcpLab.Rfc().Established().Send(Client, 2920).Skip().Step()
            .ExpectSent(Server, "ACK seq=5001 ack=2461 len=0");
        lab.Step().ExpectSent(Server, "ACK seq=5001 ack=3921 len=0");
    }

    [Fact]
    public void Linux_delays_the_ack_once_quick_acks_are_used_up_and_acks_every_second_full_segment()
    {
        var lab = TcpLab.Linux(new ProfileOverrides { QuickAckSegments = 0 }).Established().Send(Client, 2920).Skip();
        lab.Step().ExpectNothingSent().ExpectEvent(EventKind.TimerArmed, Rule.DelayedAckArmed, "server");
        lab.Step().ExpectSent(Server, "ACK seq=5001 ack=3921 len=0").ExpectEvent(EventKind.TimerCancelled, Rule.AckPiggybacked);
    }

    [Fact]
    public void Linux_delayed_ack_fires_after_40_ms_for_a_single_small_segment()
    {
        var lab = TcpLab.Linux(new ProfileOverrides { QuickAckSegments = 0 }).Established().Send(Client, "hi").Skip().Step();
        var arrived = lab.NowMs;
        lab.Step().ExpectSent(Server, "ACK seq=5001 ack=1003 len=0").ExpectEvent(EventKind.TimerFired);
        Assert.Equal(arrived + 40, lab.NowMs);
    }

    [Fact]
    public void Out_of_order_segment_draws_a_duplicate_ack_and_the_gap_fill_acks_everything()
    {
        var lab = TcpLab.Rfc().Established();
        lab.Deliver(Server, "ACK seq=5006 ack=1001 len=5", data: "world")
            .ExpectSent(Client, "ACK seq=1001 ack=5001 len=0")
            .ExpectEvent(EventKind.SegmentDiscarded, Rule.OutOfOrderQueued)
            .ExpectNoEvent(EventKind.DataDelivered);
        lab.Deliver(Server, "ACK seq=5001 ack=1001 len=5", data: "hello")
            .ExpectSent(Client, "ACK seq=1001 ack=5011 len=0")
            .ExpectEvent(EventKind.DataDelivered);
        Assert.Equal(10, lab.View(Client).BytesReceived);
        var delivered = lab.Events.Where(e => e.Kind == EventKind.DataDelivered && e.Endpoint == "client")
            .Select(e => System.Text.Encoding.ASCII.GetString(e.Data.Span)).ToList();
        Assert.Equal(["hello", "world"], delivered);
    }

    [Fact]
    public void Partly_duplicate_segment_delivers_only_the_new_octets()
    {
        var lab = TcpLab.Rfc().Established().Deliver(Server, "ACK seq=5001 ack=1001 len=5", data: "hello").DropInFlight();
        lab.Deliver(Server, "ACK seq=5004 ack=1001 len=5", data: "loabc").ExpectSent(Client, "ACK seq=1001 ack=5009 len=0");
        Assert.Equal(8, lab.View(Client).BytesReceived);
    }

    [Fact]
    public void Push_flag_is_set_on_the_segment_that_empties_the_send_buffer()
    {
        var lab = TcpLab.Rfc().Established().Send(Client, 2000).RunIdle();
        Assert.Equal(["ACK seq=1001 ack=5001 len=1460", "PSH,ACK seq=2461 ack=5001 len=540"],
            lab.Wire().Skip(3).Where(w => w.Who == "client").Select(w => w.Text));
    }

    [Fact]
    public void Nagle_holds_a_small_segment_while_data_is_unacknowledged()
    {
        var lab = TcpLab.Rfc().Established().Send(Client, "a").Send(Client, "b");
        Assert.Single(lab.Wire().Skip(3));
        lab.Step(2); // "a" arrives and its ACK comes back: now "b" may go
        Assert.Equal("PSH,ACK seq=1002 ack=5001 len=1", lab.Wire().Last().Text);
    }

    [Theory]
    [InlineData(1000u)]
    [InlineData(2_147_483_647u)] // SND.NXT = 2^31 after the SYN: the first octet of the upper half
    [InlineData(3_000_000_000u)]
    [InlineData(4_294_967_295u)] // the SYN takes the last number; data starts at 0
    public void First_transmission_is_original_data_wherever_the_iss_falls_in_the_sequence_space(uint isn)
    {
        var lab = new TcpLab("rfc9293", new SessionConfig
        {
            Client = EndpointConfig.DefaultClient with { Isn = isn },
            Server = EndpointConfig.DefaultServer with { Isn = 5000 },
        }).Established().Send(Client, "a").Send(Client, "b");
        // One segment, not two: Nagle holds "b" behind the unacknowledged "a", as it does for new data.
        var sent = Assert.Single(lab.Events, e => e.Kind == EventKind.SegmentSent && e.Endpoint == "client" && e.Segment!.Payload.Length > 0);
        Assert.Equal((Rule.DataSent, SegmentOrigin.Original, isn + 1), (sent.Rule, sent.Segment!.Origin, sent.Segment.Seq.Value));
        lab.Step(2);
        var second = lab.Events.Last(e => e.Kind == EventKind.SegmentSent && e.Endpoint == "client");
        Assert.Equal((Rule.DataSent, SegmentOrigin.Original, isn + 2), (second.Rule, second.Segment!.Origin, second.Segment.Seq.Value));
    }

    [Fact]
    public void Nagle_off_sends_small_segments_at_once()
    {
        var lab = TcpLab.Rfc(new ProfileOverrides { Nagle = false }).Established().Send(Client, "a").Send(Client, "b");
        Assert.Equal(2, lab.Wire().Skip(3).Count());
    }

    [Fact]
    public void Receive_window_shrinks_as_unread_data_fills_the_buffer_and_reaches_zero()
    {
        var lab = WithServer("rfc9293", EndpointConfig.DefaultServer with { AutoRead = false, ReceiveBuffer = 2000 });
        // 1460 octets go at once; Nagle holds the last 40 until they are acknowledged.
        lab.Established().Send(Client, 1500).Skip().Step().ExpectSent(Server, "ACK seq=5001 ack=2461 len=0 win=540");
        lab.Step().ExpectSent(Client, "PSH,ACK seq=2461 ack=5001 len=40");
        lab.Step().ExpectSent(Server, "ACK seq=5001 ack=2501 len=0 win=500");
        lab.Step().Send(Client, 500).ExpectSent(Client, "PSH,ACK seq=2501 ack=5001 len=500");
        lab.Step().ExpectSent(Server, "ACK seq=5001 ack=3001 len=0 win=0");
        lab.Step();
        Assert.Equal(0u, lab.View(Client).SndWnd);
        Assert.Equal(2000, lab.View(Server).ReceiveQueue);
    }

    [Fact]
    public void Zero_window_starts_the_persist_timer_and_a_read_reopens_the_window()
    {
        var lab = WithServer("rfc9293", EndpointConfig.DefaultServer with { AutoRead = false, ReceiveBuffer = 1000 });
        lab.Established().Send(Client, 1000).RunIdle(100);
        lab.Send(Client, "more").Skip();
        Assert.Contains(lab.Session.Snapshot().Timers, t => t.Kind == TimerKind.Persist && t.Endpoint == "client");
        // RFC probe: one octet beyond the zero window, answered with the window still closed.
        lab.Step().ExpectSent(Client, "ACK seq=2001 ack=5001 len=1").Step().ExpectSent(Server, "ACK seq=5001 ack=2001 len=0 win=0");
        lab.Skip().Read(Server).ExpectSent(Server, "ACK seq=5001 ack=2001 len=0 win=1000")
            .Step(2).ExpectSent(Client, "PSH,ACK seq=2001 ack=5001 len=4"); // the probe's octet goes again with the rest
    }

    [Fact]
    public void Linux_zero_window_probe_is_an_ack_with_seq_snd_una_minus_one()
    {
        // Traces l5 and r.
        var lab = WithServer("linux", EndpointConfig.DefaultServer with { AutoRead = false, ReceiveBuffer = 1000 });
        lab.Established().Send(Client, 1000).RunIdle(100).Send(Client, "more").Skip().Step()
            .ExpectSent(Client, "ACK seq=2000 ack=5001 len=0")
            .Step().ExpectSent(Server, "ACK seq=5001 ack=2001 len=0 win=0");
    }

    [Fact]
    public void Persist_probes_back_off_exponentially()
    {
        var lab = WithServer("rfc9293", EndpointConfig.DefaultServer with { AutoRead = false, ReceiveBuffer = 1000 });
        lab.Established().Send(Client, 1000).RunIdle(100).Send(Client, "more").Skip();
        var probes = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            lab.Do(new RunCommand(RunUntil.Steps, MaxSteps: 1));
            while (lab.Events[^1].Kind != EventKind.TimerArmed || lab.Events[^1].Rule != Rule.PersistBackoff)
            {
                lab.Step();
            }
            probes.Add(lab.NowMs);
        }
        var gaps = probes.Zip(probes.Skip(1), (a, b) => b - a).ToList();
        Assert.Equal([2000.0, 4000.0, 8000.0], gaps);
        // Every RFC probe carries the same first unacknowledged octet.
        Assert.All(lab.Events.Where(e => e.Rule == Rule.ZeroWindowProbe), e => Assert.Equal(2001u, e.Segment!.Seq.Value));
    }

    [Fact]
    public void Lost_data_segment_is_retransmitted_after_the_rto_and_the_timer_backs_off()
    {
        var lab = TcpLab.Rfc().Established().Send(Client, "hello").DropInFlight().Skip();
        lab.Step().ExpectSent(Client, "PSH,ACK seq=1001 ack=5001 len=5").ExpectEvent(EventKind.TimerArmed, Rule.RetransmissionBackoff);
        Assert.Equal(2000, lab.View(Client).RtoMs);
        Assert.Equal(1030, lab.NowMs); // sent at 30 ms, RTO 1 s
        Assert.Equal(SegmentOrigin.Retransmission, lab.Events.Last(e => e.Kind == EventKind.SegmentSent).Segment!.Origin);
    }

    [Fact]
    public void Three_duplicate_acks_trigger_a_fast_retransmit()
    {
        var lab = TcpLab.Rfc(new ProfileOverrides { InitialWindowSegments = 10 }).Established().Send(Client, 5 * 1460);
        // Lose the first segment: the next four arrive out of order and each draws a duplicate ACK.
        lab.Do(new DropSegmentCommand(lab.Session.Snapshot().InFlight[0].Segment.Id));
        lab.Skip().Step(4 + 3);
        lab.ExpectSent(Server, "ACK seq=5001 ack=1001 len=0")
            .ExpectSent(Server, "ACK seq=5001 ack=1001 len=0")
            .ExpectSent(Server, "ACK seq=5001 ack=1001 len=0")
            .ExpectSent(Server, "ACK seq=5001 ack=1001 len=0")
            .ExpectSent(Client, "ACK seq=1001 ack=5001 len=1460")
            .ExpectEvent(EventKind.SegmentSent, Rule.FastRetransmit, "client");
        lab.RunIdle();
        Assert.Equal(5 * 1460, lab.View(Server).BytesReceived);
    }

    [Fact]
    public void Sequence_numbers_wrap_around_two_to_the_thirty_second()
    {
        var lab = new TcpLab("rfc9293", new SessionConfig
        {
            Client = EndpointConfig.DefaultClient with { Isn = 4294967290 },
            Server = EndpointConfig.DefaultServer with { Isn = 4294967000 },
        }).Established().Send(Client, 3000).RunIdle();
        Assert.Equal(3000, lab.View(Server).BytesReceived);
        Assert.Equal(2995u, lab.View(Client).SndNxt); // 4294967291 + 3000 wraps past 0 (mod 2^32)
        Assert.Contains(lab.Wire(), w => w.Text.StartsWith("ACK seq=4294967291 ", StringComparison.Ordinal));
        Assert.Contains(lab.Wire(), w => w.Text.Contains("seq=1455 ", StringComparison.Ordinal));
    }
}
