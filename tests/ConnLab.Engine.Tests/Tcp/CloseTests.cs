using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Tcp;

public class CloseTests
{
    [Fact]
    public void Close_in_established_sends_fin_and_enters_fin_wait_1()
    {
        TcpLab.Rfc().Established().Close(Client)
            .ExpectState(Client, TcpState.FinWait1)
            .ExpectSent(Client, "FIN,ACK seq=1001 ack=5001 len=0");
    }

    [Fact]
    public void Fin_in_established_acks_at_once_and_enters_close_wait_rfc()
    {
        TcpLab.Rfc().Established().Close(Client).Skip().Step()
            .ExpectState(Server, TcpState.CloseWait)
            .ExpectSent(Server, "ACK seq=5001 ack=1002 len=0");
    }

    [Fact]
    public void Ack_of_fin_in_fin_wait_1_moves_to_fin_wait_2()
    {
        TcpLab.Rfc().Established().Close(Client).Step(2)
            .ExpectState(Client, TcpState.FinWait2);
    }

    [Fact]
    public void Close_in_close_wait_sends_fin_and_enters_last_ack()
    {
        TcpLab.Rfc().Established().Close(Client).Step(2).Skip().Close(Server)
            .ExpectState(Server, TcpState.LastAck)
            .ExpectSent(Server, "FIN,ACK seq=5001 ack=1002 len=0");
    }

    [Fact]
    public void Fin_in_fin_wait_2_acks_and_enters_time_wait()
    {
        TcpLab.Rfc().Established().Close(Client).Step(2).Close(Server).Skip().Step()
            .ExpectState(Client, TcpState.TimeWait)
            .ExpectSent(Client, "ACK seq=1002 ack=5002 len=0")
            .ExpectEvent(EventKind.TimerArmed, Rule.TimeWaitStarted, "client");
    }

    [Fact]
    public void Ack_in_last_ack_closes_the_passive_closer()
    {
        // The connection's TCB is gone; the server endpoint shows its listener again, ready for the next client.
        TcpLab.Rfc().Established().Close(Client).Step(2).Close(Server).Step().Skip().Step()
            .ExpectEvent(EventKind.StateChanged, Rule.LastAckFinAcked, "server")
            .ExpectEvent(EventKind.ConnectionClosed, Rule.TcbDeleted, "server")
            .ExpectState(Server, TcpState.Listen)
            .ExpectNothingSent();
    }

    [Fact]
    public void Textbook_teardown_is_four_segments()
    {
        var lab = TcpLab.Rfc().Established().Close(Client).Step(2).Close(Server).RunIdle();
        Assert.Equal(
            [("client", "FIN,ACK seq=1001 ack=5001 len=0"), ("server", "ACK seq=5001 ack=1002 len=0"),
             ("server", "FIN,ACK seq=5001 ack=1002 len=0"), ("client", "ACK seq=1002 ack=5002 len=0")],
            lab.Wire().Skip(3).Select(w => (w.Who, w.Text)));
    }

    [Fact]
    public void Linux_server_closing_within_the_delayed_ack_sends_fin_ack_for_a_three_segment_close()
    {
        // Traces a2, l1: the ACK of the FIN is delayed, so the server's FIN carries it.
        var lab = TcpLab.Linux().Established().Close(Client).Skip().Step();
        lab.ExpectState(Server, TcpState.CloseWait).ExpectNothingSent()
            .ExpectEvent(EventKind.TimerArmed, Rule.DelayedAckArmed, "server");
        lab.Close(Server).ExpectSent(Server, "FIN,ACK seq=5001 ack=1002 len=0").Skip();
        lab.Step().ExpectState(Client, TcpState.TimeWait).ExpectSent(Client, "ACK seq=1002 ack=5002 len=0")
            .ExpectEvent(EventKind.StateChanged, Rule.FinWait1FinAndAck, "client")
            .ExpectNoEvent(EventKind.StateChanged, Rule.FinWait1FinAcked);
        lab.RunIdle();
        Assert.Equal(3, lab.Wire().Count - 3);
    }

    [Fact]
    public void Linux_delayed_ack_of_a_fin_leaves_after_40_ms_once_data_was_received()
    {
        var lab = TcpLab.Linux().Established().Send(Client, "x").RunIdle().Close(Client).Step().Skip();
        var arrived = lab.NowMs;
        lab.Step().ExpectSent(Server, "ACK seq=5001 ack=1003 len=0");
        Assert.Equal(arrived + 40, lab.NowMs);
    }

    [Fact]
    public void Linux_delayed_ack_of_a_fin_before_any_data_leaves_on_the_next_tick()
    {
        // Trace a: ACK of the FIN +2.5 ms (icsk_ack.ato is 0 until data arrives).
        var lab = TcpLab.Linux().Established().Close(Client).Step().Skip();
        var arrived = lab.NowMs;
        lab.Step().ExpectSent(Server, "ACK seq=5001 ack=1002 len=0");
        Assert.Equal(arrived + 4, lab.NowMs);
    }

    [Fact]
    public void Simultaneous_close_goes_through_closing_to_time_wait_on_both_ends()
    {
        var lab = TcpLab.Rfc().Established().Close(Client).Close(Server).Skip();
        lab.Step(2)
            .ExpectState(Client, TcpState.Closing).ExpectState(Server, TcpState.Closing)
            .ExpectSent(Server, "ACK seq=5002 ack=1002 len=0")
            .ExpectSent(Client, "ACK seq=1002 ack=5002 len=0");
        lab.Step(2).ExpectState(Client, TcpState.TimeWait).ExpectState(Server, TcpState.TimeWait).ExpectNothingSent();
    }

    [Fact]
    public void Half_close_lets_data_flow_towards_fin_wait_2()
    {
        var lab = TcpLab.Rfc().Established().Shutdown(Client).RunIdle()
            .ExpectState(Client, TcpState.FinWait2).ExpectState(Server, TcpState.CloseWait).Skip();
        lab.Send(Server, "still here").ExpectSent(Server, "PSH,ACK seq=5001 ack=1002 len=10").Step()
            .ExpectEvent(EventKind.DataDelivered, Rule.DataDelivered, "client")
            .ExpectSent(Client, "ACK seq=1002 ack=5011 len=0")
            .ExpectState(Client, TcpState.FinWait2);
        Assert.Equal(10, lab.View(Client).BytesReceived);
    }

    [Fact]
    public void Linux_orphan_receiving_data_after_close_answers_with_rst()
    {
        // Trace f: an orphaned FIN_WAIT_2 socket answers data with a bare RST seq=SEG.ACK.
        var lab = TcpLab.Linux().Established().Close(Client).RunIdle().ExpectState(Client, TcpState.FinWait2).Skip();
        lab.Send(Server, "late").Skip().Step()
            .ExpectSent(Client, "RST seq=1002 len=0")
            .ExpectState(Client, TcpState.Closed)
            .ExpectEvent(EventKind.ConnectionReset, Rule.OrphanDataReset);
    }

    [Fact]
    public void Linux_shutdown_keeps_fin_wait_2_open_for_data_without_a_timer()
    {
        var lab = TcpLab.Linux().Established().Shutdown(Client).RunIdle().Skip();
        Assert.DoesNotContain(lab.Session.Snapshot().Timers, t => t.Kind == TimerKind.FinWait2);
        lab.Send(Server, "more").Step().ExpectEvent(EventKind.DataDelivered).ExpectState(Client, TcpState.FinWait2);
    }

    [Fact]
    public void Linux_orphaned_fin_wait_2_dies_after_60_seconds_without_a_rst()
    {
        var lab = TcpLab.Linux().Established().Close(Client).RunIdle().Skip();
        var timer = Assert.Single(lab.Session.Snapshot().Timers, t => t.Kind == TimerKind.FinWait2);
        Assert.Equal(60_000, (timer.DueUs / 1000) - (long)lab.NowMs);
        lab.Advance(60_000).ExpectState(Client, TcpState.Closed).ExpectNothingSent()
            .ExpectEvent(EventKind.StateChanged, Rule.FinWait2Expired);
    }

    [Fact]
    public void Rfc_fin_wait_2_waits_forever()
    {
        TcpLab.Rfc().Established().Close(Client).RunIdle().Advance(3_600_000).ExpectState(Client, TcpState.FinWait2);
    }

    [Fact]
    public void Fin_carrying_data_delivers_the_data_and_acks_both()
    {
        TcpLab.Rfc().Established().Skip()
            .Deliver(Client, "FIN,PSH,ACK seq=1001 ack=5001 len=3", data: "bye")
            .ExpectSent(Server, "ACK seq=5001 ack=1005 len=0")
            .ExpectState(Server, TcpState.CloseWait)
            .ExpectEvent(EventKind.DataDelivered, Rule.DataDelivered, "server");
    }

    [Fact]
    public void Close_behind_data_held_by_nagle_sends_the_fin_with_that_data()
    {
        var lab = TcpLab.Rfc().Established().Send(Client, "a").Send(Client, "bye").Close(Client);
        Assert.Equal(["PSH,ACK seq=1001 ack=5001 len=1", "FIN,PSH,ACK seq=1002 ack=5001 len=3"],
            lab.Wire().Skip(3).Select(w => w.Text));
        lab.RunIdle().ExpectState(Server, TcpState.CloseWait);
        Assert.Equal(4, lab.View(Server).BytesReceived);
    }

    [Fact]
    public void Time_wait_lasts_two_msl_then_closes()
    {
        var lab = TcpLab.Rfc().Established().Close(Client).Step(2).Close(Server).Step();
        var enteredAt = lab.NowMs;
        lab.ExpectState(Client, TcpState.TimeWait).RunIdle();
        lab.Advance(enteredAt + 239_999 - lab.NowMs).ExpectState(Client, TcpState.TimeWait);
        lab.Advance(1).ExpectState(Client, TcpState.Closed);
        Assert.Equal(enteredAt + 240_000, lab.NowMs, 3);
    }

    [Fact]
    public void Linux_time_wait_lasts_sixty_seconds()
    {
        var lab = TcpLab.Linux().Established().Close(Client).Step().Close(Server).Step();
        var timer = Assert.Single(lab.Session.Snapshot().Timers, t => t.Endpoint == "client");
        Assert.Equal((TimerKind.TimeWait, 60_000.0), (timer.Kind, (timer.DueUs / 1000.0) - lab.NowMs));
    }

    [Fact]
    public void Retransmitted_fin_in_time_wait_is_acked_again_and_restarts_the_timer()
    {
        var lab = TcpLab.Rfc().Established().Close(Client).Step(2).Close(Server).Step().Skip();
        // The client's final ACK is lost: the server retransmits its FIN after the RTO (1 s).
        var finalAck = lab.Session.Snapshot().InFlight.Single().Segment;
        lab.Do(new DropSegmentCommand(finalAck.Id));
        lab.Step().ExpectSent(Server, "FIN,ACK seq=5001 ack=1002 len=0");
        var retransmittedAt = lab.NowMs;
        lab.Skip().Step()
            .ExpectSent(Client, "ACK seq=1002 ack=5002 len=0")
            .ExpectEvent(EventKind.TimerArmed, Rule.TimeWaitRestarted, "client");
        var timer = lab.Session.Snapshot().Timers.Single(t => t.Endpoint == "client");
        Assert.Equal(retransmittedAt + 10 + 240_000, timer.DueUs / 1000.0);
        lab.Step().ExpectEvent(EventKind.StateChanged, Rule.LastAckFinAcked, "server");
    }

    [Fact]
    public void Rst_in_time_wait_assassinates_it_unless_rfc1337()
    {
        TcpLab.Rfc().Established().Close(Client).Step(2).Close(Server).RunIdle()
            .Deliver(Server, "RST seq=5002 len=0").ExpectState(Client, TcpState.Closed)
            .ExpectEvent(EventKind.StateChanged, Rule.TimeWaitAssassinated);
        TcpLab.Rfc(new ProfileOverrides { Rfc1337 = true }).Established().Close(Client).Step(2).Close(Server).RunIdle()
            .Deliver(Server, "RST seq=5002 len=0").ExpectState(Client, TcpState.TimeWait)
            .ExpectEvent(EventKind.SegmentDiscarded, Rule.Rfc1337RstIgnored);
    }

    [Fact]
    public void Linux_time_wait_reopens_on_a_new_syn_with_a_higher_sequence()
    {
        // Server closed first and sits in TIME_WAIT while listening; a new SYN above RCV.NXT reopens it.
        var lab = TcpLab.Linux().Established().Close(Server).Step().Close(Client).RunIdle();
        lab.ExpectState(Server, TcpState.TimeWait).Skip();
        lab.Deliver(Client, "SYN seq=90000 len=0 mss=1460")
            .ExpectEvent(EventKind.StateChanged, Rule.TimeWaitReopened)
            .ExpectSent(Server, "SYN,ACK seq=70539 ack=90001 len=0") // ISS = old SND.NXT (5002) + 65537
            .ExpectState(Server, TcpState.SynReceived);
    }

    [Fact]
    public void Close_in_syn_sent_deletes_the_tcb_without_a_segment()
    {
        TcpLab.Rfc().Connect().Skip().Close(Client).ExpectState(Client, TcpState.Closed).ExpectNothingSent();
    }

    [Fact]
    public void Close_in_syn_received_sends_fin_and_enters_fin_wait_1()
    {
        TcpLab.Rfc().Listen().Connect().Step().Skip().Close(Server)
            .ExpectState(Server, TcpState.FinWait1)
            .ExpectSent(Server, "FIN,ACK seq=5001 ack=1001 len=0");
    }

    [Fact]
    public void Close_of_the_listener_returns_it_to_closed()
    {
        TcpLab.Rfc().Listen().Close(Server).ExpectState(Server, TcpState.Closed);
    }

    [Fact]
    public void Linux_close_with_unread_data_sends_rst_ack_instead_of_fin()
    {
        // Trace e2: close() with unread data resets.
        var lab = new TcpLab("linux", new SessionConfig
        {
            Profile = "linux",
            Client = EndpointConfig.DefaultClient with { Isn = 1000 },
            Server = EndpointConfig.DefaultServer with { Isn = 5000, AutoRead = false },
        }).Established().Send(Client, "unread!").RunIdle().Skip();
        lab.Close(Server).ExpectSent(Server, "RST,ACK seq=5001 ack=1008 len=0")
            .ExpectEvent(EventKind.ConnectionClosed, endpoint: "server").ExpectState(Server, TcpState.Listen);
    }
}
