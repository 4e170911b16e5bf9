using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Tcp;

public class HandshakeTests
{
    [Fact]
    public void Connect_in_closed_sends_syn_and_enters_syn_sent()
    {
        TcpLab.Rfc().Listen().Connect()
            .ExpectSent(Client, "SYN seq=1000 len=0 mss=1460")
            .ExpectState(Client, TcpState.SynSent)
            .ExpectEvent(EventKind.TimerArmed, Rule.RetransmissionTimerStarted, "client");
    }

    [Fact]
    public void Listen_in_closed_enters_listen_without_sending()
    {
        TcpLab.Rfc().Listen().ExpectState(Server, TcpState.Listen).ExpectNothingSent();
    }

    [Fact]
    public void Syn_in_listen_sends_syn_ack_and_enters_syn_received()
    {
        TcpLab.Rfc().Listen().Connect().Skip().Step()
            .ExpectSent(Server, "SYN,ACK seq=5000 ack=1001 len=0 mss=1460")
            .ExpectState(Server, TcpState.SynReceived)
            .ExpectState(Client, TcpState.SynSent);
    }

    [Fact]
    public void Syn_ack_in_syn_sent_sends_ack_and_establishes()
    {
        TcpLab.Rfc().Listen().Connect().Step().Skip().Step()
            .ExpectSent(Client, "ACK seq=1001 ack=5001 len=0")
            .ExpectState(Client, TcpState.Established)
            .ExpectState(Server, TcpState.SynReceived)
            .ExpectEvent(EventKind.ConnectionEstablished, endpoint: "client");
    }

    [Fact]
    public void Ack_in_syn_received_establishes_the_server()
    {
        var lab = TcpLab.Rfc().Listen().Connect().Step(2).Skip().Step()
            .ExpectNothingSent()
            .ExpectState(Server, TcpState.Established)
            .ExpectEvent(EventKind.ConnectionAccepted, Rule.AutoAccepted);
        var server = lab.View(Server);
        Assert.Equal((5000u, 1000u, 5001u, 5001u, 1001u), (server.Iss, server.Irs, server.SndUna, server.SndNxt, server.RcvNxt));
    }

    [Theory]
    [InlineData("rfc9293")]
    [InlineData("linux")]
    public void Handshake_is_three_segments_in_both_profiles(string profile)
    {
        var lab = new TcpLab(profile).Listen().Connect().RunIdle();
        Assert.Equal(
            [("client", "SYN seq=1000 len=0"), ("server", "SYN,ACK seq=5000 ack=1001 len=0"), ("client", "ACK seq=1001 ack=5001 len=0")],
            lab.Wire().Select(w => (w.Who, w.Text)));
        Assert.Equal([0.0, 10.0, 20.0], lab.Wire().Select(w => w.TimeMs));
    }

    [Fact]
    public void Data_queued_before_the_handshake_rides_on_the_third_segment()
    {
        TcpLab.Rfc().Listen().Connect().Send(Client, "hello").Step().Skip().Step()
            .ExpectSent(Client, "PSH,ACK seq=1001 ack=5001 len=5")
            .ExpectNothingSent()
            .ExpectState(Client, TcpState.Established);
    }

    [Fact]
    public void Third_segment_with_data_completes_the_servers_handshake_and_is_acknowledged()
    {
        TcpLab.Rfc().Listen().Connect().Send(Client, "hello").Step(2).Skip().Step()
            .ExpectState(Server, TcpState.Established)
            .ExpectEvent(EventKind.DataDelivered, Rule.DataDelivered, "server")
            .ExpectSent(Server, "ACK seq=5001 ack=1006 len=0");
    }

    [Fact]
    public void Simultaneous_open_goes_through_syn_received_on_both_ends_rfc()
    {
        var lab = TcpLab.Rfc().Connect(Client).Connect(Server).Skip();
        lab.Step(2) // the SYNs cross; the client's, sent first, arrives first
            .ExpectSent(Server, "SYN,ACK seq=5000 ack=1001 len=0")
            .ExpectSent(Client, "SYN,ACK seq=1000 ack=5001 len=0")
            .ExpectState(Client, TcpState.SynReceived)
            .ExpectState(Server, TcpState.SynReceived);
        // Each SYN,ACK's SYN lies below RCV.NXT: the acceptability test answers it with a pure ACK (§3.10.7.4).
        lab.Step(2)
            .ExpectSent(Client, "ACK seq=1001 ack=5001 len=0")
            .ExpectSent(Server, "ACK seq=5001 ack=1001 len=0")
            .ExpectState(Client, TcpState.SynReceived);
        lab.Step(2).ExpectState(Client, TcpState.Established).ExpectState(Server, TcpState.Established).ExpectNothingSent();
    }

    [Fact]
    public void Simultaneous_open_on_linux_establishes_on_the_syn_ack_and_sends_six_segments()
    {
        var lab = TcpLab.Linux().Connect(Client).Connect(Server).Step(2).Skip();
        lab.Step()
            .ExpectState(Client, TcpState.Established)
            .ExpectSent(Client, "ACK seq=1001 ack=5001 len=0");
        lab.RunIdle();
        // Trace p: SYN, SYN, SYN,ACK, SYN,ACK, ACK, ACK.
        Assert.Equal(["SYN", "SYN", "SYN,ACK", "SYN,ACK", "ACK", "ACK"], lab.Wire().Select(w => w.Text.Split(' ')[0]));
        lab.ExpectState(Server, TcpState.Established);
    }

    [Fact]
    public void Mss_is_the_smaller_of_the_peers_option_and_our_own()
    {
        var lab = TcpLab.Rfc(new ProfileOverrides { Mss = 1000 }).Established();
        Assert.Equal(1000, lab.View(Client).Mss);
        var lab2 = TcpLab.Rfc().Listen().Skip();
        lab2.Deliver(Client, "SYN seq=77 len=0 mss=536").ExpectSent(Server, "SYN,ACK seq=5000 ack=78 len=0");
        lab2.Deliver(Client, "ACK seq=78 ack=5001 len=0");
        Assert.Equal(536, lab2.View(Server).Mss);
    }

    [Fact]
    public void Syn_without_mss_option_assumes_536()
    {
        var lab = TcpLab.Rfc().Listen();
        lab.Deliver(Client, "SYN seq=77 len=0").Deliver(Client, "ACK seq=78 ack=5001 len=0");
        Assert.Equal(536, lab.View(Server).Mss);
    }

    [Fact]
    public void Handshake_rtt_sample_sets_the_rto_per_profile()
    {
        // 20 ms RTT: RFC 6298 rounds the RTO up to 1 s; Linux floors RTTVAR at 200 ms: 20 + 200 = 220 ms.
        Assert.Equal(1000, TcpLab.Rfc().Established().View(Client).RtoMs);
        Assert.Equal(220, TcpLab.Linux().Established().View(Client).RtoMs);
        Assert.Equal(20, TcpLab.Linux().Established().View(Client).SrttMs);
    }
}
