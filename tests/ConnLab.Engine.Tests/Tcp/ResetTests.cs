using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Tcp;

/// <summary>RST rules, RFC 5961 and the segment acceptability test; vectors from tcp-reference.md §4–§8.</summary>
public class ResetTests
{
    [Fact]
    public void Syn_to_closed_port_draws_rst_ack_with_seq_zero_and_ack_seq_plus_one()
    {
        TcpLab.Rfc().Connect().Skip().Step()
            .ExpectSent(Server, "RST,ACK seq=0 ack=1001 len=0 win=0")
            .ExpectEvent(EventKind.SegmentDiscarded, Rule.ClosedPortReset, "server");
    }

    [Fact]
    public void Rst_ack_in_syn_sent_refuses_the_connection()
    {
        TcpLab.Rfc().Connect().Step().Skip().Step()
            .ExpectState(Client, TcpState.Closed)
            .ExpectEvent(EventKind.ConnectionRefused, Rule.SynSentRstRefused, "client")
            .ExpectNothingSent();
    }

    [Theory]
    [InlineData("ACK seq=1 ack=5000 len=0", "RST seq=5000 len=0")]           // probe 18: ACK → RST seq=SEG.ACK
    [InlineData("FIN seq=1000 len=0", "RST,ACK seq=0 ack=1001 len=0")]      // probe 19: FIN, no ACK
    [InlineData("FIN,ACK seq=1000 ack=5000 len=0", "RST seq=5000 len=0")]   // probe 23
    public void Segments_to_a_closed_port_get_the_rfc_reset_shape(string arriving, string reply)
    {
        TcpLab.Rfc().Deliver(Client, arriving).ExpectSent(Server, reply);
    }

    [Fact]
    public void Data_without_ack_to_a_closed_port_is_acknowledged_by_the_reset()
    {
        TcpLab.Rfc().Deliver(Client, "PSH seq=1000 len=5", data: "hello").ExpectSent(Server, "RST,ACK seq=0 ack=1005 len=0");
    }

    [Fact]
    public void Syn_fin_with_data_to_a_closed_port_counts_both_flags()
    {
        // Probe 21: SYN+FIN+2 bytes → ACK = SEQ + 2 + 2.
        TcpLab.Rfc().Deliver(Client, "SYN,FIN seq=1000 len=2", data: "hi").ExpectSent(Server, "RST,ACK seq=0 ack=1004 len=0");
    }

    [Fact]
    public void Rst_to_a_closed_port_draws_nothing()
    {
        TcpLab.Rfc().Deliver(Client, "RST seq=1000 len=0").ExpectNothingSent()
            .ExpectEvent(EventKind.SegmentDiscarded, Rule.ClosedRstDropped);
    }

    [Fact]
    public void Rst_in_listen_is_ignored()
    {
        TcpLab.Rfc().Listen().Deliver(Client, "RST seq=1000 len=0").ExpectNothingSent().ExpectState(Server, TcpState.Listen)
            .ExpectEvent(EventKind.SegmentDiscarded, Rule.ListenRstIgnored);
    }

    [Theory]
    [InlineData("ACK seq=1000 ack=777 len=0")]
    [InlineData("SYN,ACK seq=1000 ack=777 len=0")]
    public void Any_ack_in_listen_draws_rst_with_seq_of_the_ack(string arriving)
    {
        TcpLab.Rfc().Listen().Deliver(Client, arriving).ExpectSent(Server, "RST seq=777 len=0").ExpectState(Server, TcpState.Listen);
    }

    [Fact]
    public void Bare_fin_in_listen_is_dropped_silently()
    {
        TcpLab.Rfc().Listen().Deliver(Client, "FIN seq=1000 len=0").ExpectNothingSent()
            .ExpectEvent(EventKind.SegmentDiscarded, Rule.ListenOtherDropped);
    }

    [Fact]
    public void Syn_fin_in_listen_is_dropped_on_linux()
    {
        TcpLab.Linux().Listen().Deliver(Client, "SYN,FIN seq=1000 len=0").ExpectNothingSent()
            .ExpectEvent(EventKind.SegmentDiscarded, Rule.ListenSynFinDropped);
    }

    [Fact]
    public void Ack_for_something_never_sent_in_syn_sent_draws_rst_and_is_dropped()
    {
        TcpLab.Rfc().Connect().DropInFlight().Skip().Deliver(Server, "SYN,ACK seq=5000 ack=7777 len=0")
            .ExpectSent(Client, "RST seq=7777 len=0")
            .ExpectState(Client, TcpState.SynSent);
    }

    [Fact]
    public void Ack_equal_to_iss_in_syn_sent_is_not_acceptable()
    {
        TcpLab.Rfc().Connect().DropInFlight().Skip().Deliver(Server, "ACK seq=5000 ack=1000 len=0").ExpectSent(Client, "RST seq=1000 len=0");
    }

    [Fact]
    public void Rst_without_ack_in_syn_sent_is_dropped()
    {
        TcpLab.Rfc().Connect().DropInFlight().Skip().Deliver(Server, "RST seq=5000 len=0").ExpectNothingSent().ExpectState(Client, TcpState.SynSent);
    }

    [Fact]
    public void Bare_acceptable_ack_in_syn_sent_is_dropped()
    {
        TcpLab.Rfc().Connect().DropInFlight().Skip().Deliver(Server, "ACK seq=5000 ack=1001 len=0").ExpectNothingSent()
            .ExpectState(Client, TcpState.SynSent).ExpectEvent(EventKind.SegmentDiscarded, Rule.SynSentNoSyn);
    }

    [Fact]
    public void Unacceptable_ack_in_syn_received_draws_rst_and_stays()
    {
        TcpLab.Rfc().Listen().Deliver(Client, "SYN seq=1000 len=0").DropInFlight().Skip()
            .Deliver(Client, "ACK seq=1001 ack=9999 len=0")
            .ExpectSent(Server, "RST seq=9999 len=0").ExpectState(Server, TcpState.SynReceived);
    }

    [Fact]
    public void Rst_in_syn_received_after_passive_open_returns_to_listen()
    {
        TcpLab.Rfc().Listen().Deliver(Client, "SYN seq=1000 len=0").DropInFlight().Skip()
            .Deliver(Client, "RST seq=1001 len=0")
            .ExpectState(Server, TcpState.Listen)
            .ExpectEvent(EventKind.StateChanged, Rule.SynReceivedRstToListen, "server")
            .ExpectNothingSent();
    }

    [Fact]
    public void Exact_rst_in_established_resets_the_connection()
    {
        TcpLab.Rfc().Established().Deliver(Server, "RST seq=5001 len=0")
            .ExpectState(Client, TcpState.Closed).ExpectEvent(EventKind.ConnectionReset, Rule.RstResets, "client").ExpectNothingSent();
    }

    [Fact]
    public void In_window_inexact_rst_draws_a_challenge_ack()
    {
        // RFC 5961 §3.2, probe 4.
        TcpLab.Rfc().Established().Deliver(Server, "RST seq=5101 len=0")
            .ExpectSent(Client, "ACK seq=1001 ack=5001 len=0")
            .ExpectState(Client, TcpState.Established)
            .ExpectEvent(EventKind.ChallengeAck, Rule.ChallengeAckRst);
    }

    [Fact]
    public void Out_of_window_rst_is_dropped_silently()
    {
        TcpLab.Rfc().Established().Deliver(Server, "RST seq=100005001 len=0")
            .ExpectNothingSent().ExpectState(Client, TcpState.Established).ExpectEvent(EventKind.SegmentDiscarded, Rule.RstOutOfWindow);
    }

    [Theory]
    [InlineData("SYN seq=5000 len=0")]      // probe 1: old duplicate SYN (the peer's ISS)
    [InlineData("SYN seq=6001 len=0")]      // probe 2: in-window SYN
    public void Syn_in_established_draws_a_challenge_ack(string syn)
    {
        TcpLab.Rfc().Established().Deliver(Server, syn)
            .ExpectSent(Client, "ACK seq=1001 ack=5001 len=0")
            .ExpectState(Client, TcpState.Established)
            .ExpectEvent(EventKind.ChallengeAck, Rule.ChallengeAckSyn);
    }

    [Fact]
    public void Linux_rate_limits_challenge_acks_to_one_per_500_ms()
    {
        var lab = TcpLab.Linux().Established().Deliver(Server, "RST seq=5101 len=0").ExpectSent(Client, "ACK seq=1001 ack=5001 len=0");
        lab.Deliver(Server, "RST seq=5102 len=0").ExpectNothingSent().ExpectEvent(EventKind.ChallengeAck, Rule.ChallengeAckSuppressed);
        lab.Advance(500).Deliver(Server, "RST seq=5103 len=0").ExpectSent(Client, "ACK seq=1001 ack=5001 len=0");
    }

    [Fact]
    public void Duplicate_data_fails_the_acceptability_test_and_draws_an_ack()
    {
        // Probe 5: data wholly below RCV.NXT.
        TcpLab.Rfc().Established().Send(Server, "hello").RunIdle().Skip()
            .Deliver(Server, "PSH,ACK seq=5001 ack=1001 len=5", data: "hello")
            .ExpectSent(Client, "ACK seq=1001 ack=5006 len=0")
            .ExpectEvent(EventKind.SegmentDiscarded, Rule.UnacceptableSegment)
            .ExpectNoEvent(EventKind.DataDelivered);
    }

    [Fact]
    public void Data_beyond_the_window_draws_an_ack()
    {
        // Probe 6.
        TcpLab.Rfc().Established().Deliver(Server, "PSH,ACK seq=100005001 ack=1001 len=5", data: "hello")
            .ExpectSent(Client, "ACK seq=1001 ack=5001 len=0");
    }

    [Fact]
    public void Ack_of_unsent_data_draws_an_ack_and_is_dropped()
    {
        // Probe 7 (Linux 6.18 and RFC 9293 agree).
        TcpLab.Rfc().Established().Deliver(Server, "ACK seq=5001 ack=101001 len=0")
            .ExpectSent(Client, "ACK seq=1001 ack=5001 len=0")
            .ExpectEvent(EventKind.ChallengeAck, Rule.AckOfUnsentData);
    }

    [Fact]
    public void Linux_challenges_an_old_ack_when_no_data_was_ever_acknowledged()
    {
        // Probe 8b: MAX.SND.WND is bounded by bytes_acked = 0.
        TcpLab.Linux().Established().Deliver(Server, "ACK seq=5001 ack=1000 len=0")
            .ExpectSent(Client, "ACK seq=1001 ack=5001 len=0").ExpectEvent(EventKind.ChallengeAck, Rule.ChallengeAckOldAck);
    }

    [Fact]
    public void Rfc_ignores_an_old_ack_within_the_max_window()
    {
        TcpLab.Rfc().Established().Deliver(Server, "ACK seq=5001 ack=1000 len=0").ExpectNothingSent();
    }

    [Fact]
    public void Segment_without_ack_in_established_is_dropped()
    {
        TcpLab.Rfc().Established().Deliver(Server, "PSH seq=5001 len=5", data: "hello").ExpectNothingSent()
            .ExpectEvent(EventKind.SegmentDiscarded, Rule.NoAckDropped).ExpectNoEvent(EventKind.DataDelivered);
    }

    [Fact]
    public void Abort_in_established_sends_rst_with_snd_nxt_rfc()
    {
        TcpLab.Rfc().Established().Abort(Client).ExpectSent(Client, "RST seq=1001 len=0").ExpectState(Client, TcpState.Closed)
            .Skip().Step().ExpectState(Server, TcpState.Listen).ExpectEvent(EventKind.ConnectionReset, Rule.RstResets, "server");
    }

    [Fact]
    public void Abort_in_established_sends_rst_ack_on_linux()
    {
        // Trace e1: RST,ACK seq=SND.NXT ack=RCV.NXT.
        TcpLab.Linux().Established().Abort(Client).ExpectSent(Client, "RST,ACK seq=1001 ack=5001 len=0");
    }

    [Fact]
    public void Abort_in_syn_sent_sends_nothing()
    {
        TcpLab.Rfc().Connect().Skip().Abort(Client).ExpectNothingSent().ExpectState(Client, TcpState.Closed);
    }

    [Fact]
    public void Abort_in_time_wait_deletes_quietly()
    {
        TcpLab.Rfc().Established().Close(Client).Step(2).Close(Server).RunIdle().Skip().Abort(Client)
            .ExpectNothingSent().ExpectState(Client, TcpState.Closed).ExpectEvent(EventKind.StateChanged, Rule.AbortWhileClosing);
    }

    [Fact]
    public void Rst_in_last_ack_closes()
    {
        TcpLab.Rfc().Established().Close(Client).Step(2).Close(Server).Skip()
            .Deliver(Client, "RST seq=1002 len=0").ExpectEvent(EventKind.StateChanged, Rule.RstWhileClosing, "server");
    }
}

public class UserCallErrorTests
{
    [Fact]
    public void Connect_twice_is_connection_already_exists()
    {
        var error = TcpLab.Rfc().Connect().Refused(new EndpointCommand(Client, EndpointAction.Connect));
        Assert.Equal((LabErrorCode.ConnectionAlreadyExists, TcpState.SynSent, "connection already exists"), (error.Code, error.State, error.RfcError));
    }

    [Fact]
    public void Listen_twice_is_connection_already_exists()
    {
        var error = TcpLab.Rfc().Listen().Refused(new EndpointCommand(Server, EndpointAction.Listen));
        Assert.Equal((LabErrorCode.ConnectionAlreadyExists, TcpState.Listen), (error.Code, error.State));
    }

    [Theory]
    [InlineData(EndpointAction.Send)]
    [InlineData(EndpointAction.Close)]
    [InlineData(EndpointAction.Abort)]
    [InlineData(EndpointAction.Read)]
    public void Calls_on_a_closed_endpoint_are_connection_does_not_exist(EndpointAction action)
    {
        var error = TcpLab.Rfc().Refused(new EndpointCommand(Client, action, "x"u8.ToArray()));
        Assert.Equal((LabErrorCode.ConnectionDoesNotExist, TcpState.Closed, "connection does not exist"), (error.Code, error.State, error.RfcError));
    }

    [Fact]
    public void Send_after_close_is_connection_closing()
    {
        var error = TcpLab.Rfc().Established().Close(Client).Refused(new EndpointCommand(Client, EndpointAction.Send, "x"u8.ToArray()));
        Assert.Equal((LabErrorCode.ConnectionClosing, TcpState.FinWait1, "connection closing"), (error.Code, error.State, error.RfcError));
    }

    [Fact]
    public void Close_twice_is_connection_closing()
    {
        var error = TcpLab.Rfc().Established().Close(Client).Refused(new EndpointCommand(Client, EndpointAction.Close));
        Assert.Equal(LabErrorCode.ConnectionClosing, error.Code);
    }

    [Fact]
    public void Send_on_a_listener_is_foreign_socket_unspecified()
    {
        var error = TcpLab.Rfc().Listen().Refused(new EndpointCommand(Server, EndpointAction.Send, "x"u8.ToArray()));
        Assert.Equal(LabErrorCode.IllegalInState, error.Code);
        Assert.Contains("foreign socket unspecified", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_on_a_listener_is_refused()
    {
        var error = TcpLab.Rfc().Listen().Refused(new EndpointCommand(Server, EndpointAction.Connect));
        Assert.Equal((LabErrorCode.IllegalInState, TcpState.Listen), (error.Code, error.State));
    }

    [Fact]
    public void Accept_with_an_empty_queue_is_refused()
    {
        Assert.Equal(LabErrorCode.IllegalInState, TcpLab.Rfc().Listen().Refused(new EndpointCommand(Server, EndpointAction.Accept)).Code);
    }

    [Fact]
    public void Empty_send_is_invalid_and_names_the_field()
    {
        var error = TcpLab.Rfc().Established().Refused(new EndpointCommand(Client, EndpointAction.Send));
        Assert.Equal((LabErrorCode.InvalidArgument, "data"), (error.Code, error.Field));
    }
}
