using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Tcp;

public class TimerTests
{
    /// <summary>Connects to a server that never answers (every segment lost) and returns SYN send times and the give-up time.</summary>
    private static (List<double> Syns, double GaveUp) SynSchedule(TcpLab lab)
    {
        lab.Connect();
        var syns = new List<double>();
        while (lab.Session.StateOf(Client) != TcpState.Closed)
        {
            foreach (var f in lab.Session.Snapshot().InFlight)
            {
                lab.Do(new DropSegmentCommand(f.Segment.Id));
            }
            lab.Step();
        }
        syns.AddRange(lab.Events.Where(e => e.Kind == EventKind.SegmentSent && e.Segment!.Has(TcpFlags.Syn)).Select(e => e.TimeMs / 1000));
        var gaveUp = lab.Events.Single(e => e.Kind == EventKind.ConnectionTimedOut).TimeMs / 1000;
        return (syns, gaveUp);
    }

    [Fact]
    public void Linux_syn_retransmits_five_times_linearly_then_doubles_and_times_out_at_131_s()
    {
        // Trace g / h_syn_timeout_default: SYNs at +1,2,3,4,5,7,11,19,35,67 s; ETIMEDOUT at 131 s.
        var (syns, gaveUp) = SynSchedule(TcpLab.Linux());
        Assert.Equal([0.0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67], syns);
        Assert.Equal(131, gaveUp);
    }

    [Fact]
    public void Linux_linear_syn_timeouts_are_explained_as_no_back_off_and_only_later_ones_as_back_off()
    {
        var lab = TcpLab.Linux();
        SynSchedule(lab);
        var rearms = lab.Events.Where(e => e.Kind == EventKind.TimerArmed && e.Endpoint == "client" && e.TimeMs > 0)
            .Select(e => (e.TimeMs / 1000, e.Rule, e.DueUs / 1_000_000)).ToList();
        Assert.Equal(
            [
                (1.0, Rule.SynLinearTimeout, 2L), (2, Rule.SynLinearTimeout, 3), (3, Rule.SynLinearTimeout, 4), (4, Rule.SynLinearTimeout, 5),
                (5, Rule.RetransmissionBackoff, 7), (7, Rule.RetransmissionBackoff, 11), (11, Rule.RetransmissionBackoff, 19),
                (19, Rule.RetransmissionBackoff, 35), (35, Rule.RetransmissionBackoff, 67), (67, Rule.RetransmissionBackoff, 131),
            ],
            rearms);
        Assert.StartsWith("client: no back-off yet: the next SYN in 1000 ms", lab.Events.First(e => e.Rule == Rule.SynLinearTimeout).Explanation,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Linux_syn_schedule_without_linear_timeouts_is_the_classic_doubling()
    {
        // Trace g0 (tcp_syn_linear_timeouts = 0): +1,3,7,15,31,63 s; ETIMEDOUT at 127 s.
        var (syns, gaveUp) = SynSchedule(TcpLab.Linux(new ProfileOverrides { SynLinearTimeouts = 0 }));
        Assert.Equal([0.0, 1, 3, 7, 15, 31, 63], syns);
        Assert.Equal(127, gaveUp);
    }

    [Fact]
    public void Linux_syn_retries_two_gives_up_after_five_retransmissions()
    {
        // Trace h_syn_timeout_syncnt2: SYNs at 0,1,2,3,4,5 s, ETIMEDOUT at 7 s.
        var (syns, gaveUp) = SynSchedule(TcpLab.Linux(new ProfileOverrides { SynRetries = 2 }));
        Assert.Equal([0.0, 1, 2, 3, 4, 5], syns);
        Assert.Equal(7, gaveUp);
    }

    [Fact]
    public void Rfc_syn_retransmissions_double_and_give_up_after_at_least_three_minutes()
    {
        // RTO doubles from 1 s and is capped at 60 s (RFC 6298 §2.5).
        var (syns, gaveUp) = SynSchedule(TcpLab.Rfc());
        Assert.Equal([0.0, 1, 3, 7, 15, 31, 63, 123], syns);
        Assert.Equal(183, gaveUp);
        Assert.True(gaveUp >= 180); // RFC 9293 §3.8.3: R2 for a SYN at least 3 minutes
    }

    [Fact]
    public void Timeout_reports_connection_timed_out()
    {
        var lab = TcpLab.Linux(new ProfileOverrides { SynRetries = 0, SynLinearTimeouts = 0 });
        SynSchedule(lab);
        var e = lab.Events.Single(x => x.Kind == EventKind.ConnectionTimedOut);
        Assert.Equal(Rule.SynRetriesExhausted, e.Rule);
        Assert.Contains("connection timed out", e.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Lost_syn_ack_is_retransmitted_by_the_server_and_the_duplicate_syn_answered_rfc()
    {
        var lab = TcpLab.Rfc().Listen().Connect().Step();
        lab.DropInFlight().Skip().Step(); // at 1 s both timers fire: the client's SYN first (armed first)
        lab.ExpectSent(Client, "SYN seq=1000 len=0");
        lab.Step().ExpectSent(Server, "SYN,ACK seq=5000 ack=1001 len=0");
        lab.RunIdle().ExpectState(Client, TcpState.Established).ExpectState(Server, TcpState.Established);
    }

    [Fact]
    public void Linux_answers_a_retransmitted_syn_in_syn_received_with_its_syn_ack()
    {
        // Trace l1 row 6.
        var lab = TcpLab.Linux().Listen().Deliver(Client, "SYN seq=1000 len=0").DropInFlight().Skip();
        lab.Deliver(Client, "SYN seq=1000 len=0")
            .ExpectSent(Server, "SYN,ACK seq=5000 ack=1001 len=0")
            .ExpectEvent(EventKind.SegmentDiscarded, Rule.DuplicateSynResendSynAck);
    }

    [Fact]
    public void Rfc_answers_a_retransmitted_syn_in_syn_received_with_an_ack()
    {
        TcpLab.Rfc().Listen().Deliver(Client, "SYN seq=1000 len=0").DropInFlight().Skip()
            .Deliver(Client, "SYN seq=1000 len=0")
            .ExpectSent(Server, "ACK seq=5001 ack=1001 len=0");
    }

    [Fact]
    public void Half_open_entry_retransmits_syn_ack_five_times_then_is_dropped_at_63_s()
    {
        // tcp_synack_retries 5: SYN,ACKs at +1, 3, 7, 15, 31 s; dropped at 63 s.
        var lab = TcpLab.Linux().Listen();
        lab.Inject(Client, "SYN seq=1000 len=0", source: "10.0.0.99:1234");
        lab.RunIdle(200);
        var synAcks = lab.Events.Where(e => e.Kind == EventKind.SegmentSent && e.Segment!.Flags == (TcpFlags.Syn | TcpFlags.Ack))
            .Select(e => (e.TimeMs - 10) / 1000).ToList();
        Assert.Equal([0.0, 1, 3, 7, 15, 31], synAcks);
        var dropped = lab.Events.Single(e => e.Kind == EventKind.HalfOpenDropped);
        Assert.Equal((63.0, Rule.HalfOpenExpired), ((dropped.TimeMs - 10) / 1000, dropped.Rule));
        Assert.Equal(0, lab.Session.Snapshot().Listener!.SynQueue);
    }

    [Fact]
    public void Lost_fin_is_retransmitted_after_the_rto()
    {
        var lab = TcpLab.Rfc().Established().Close(Client).DropInFlight().Skip();
        lab.Step().ExpectSent(Client, "FIN,ACK seq=1001 ack=5001 len=0").ExpectEvent(EventKind.SegmentSent, Rule.FinRetransmitted);
        Assert.Equal(30 + 1000, lab.NowMs);
    }

    [Fact]
    public void Linux_lost_fin_is_resent_first_by_a_tail_loss_probe_then_by_the_rto()
    {
        var lab = TcpLab.Linux().Established().Close(Client).DropInFlight().Skip();
        // PTO = min(2·SRTT + RTO_min, RTO) = min(40 + 200, 220) ms after a 20 ms RTT.
        lab.Step().ExpectSent(Client, "FIN,ACK seq=1001 ack=5001 len=0").ExpectEvent(EventKind.SegmentSent, Rule.TailLossProbe);
        Assert.Equal(30 + 220, lab.NowMs);
        lab.DropInFlight().Skip().Step().ExpectEvent(EventKind.SegmentSent, Rule.FinRetransmitted);
        Assert.Equal(30 + 220 + 220, lab.NowMs); // the RTO follows the probe without back-off
        Assert.Equal(1, lab.View(Client).Retries);
    }

    [Fact]
    public void Data_retransmissions_give_up_after_the_retry_limit()
    {
        var lab = TcpLab.Rfc(new ProfileOverrides { DataRetries = 3 }).Established().Send(Client, "doomed");
        while (lab.Session.StateOf(Client) != TcpState.Closed)
        {
            lab.DropInFlight().Step();
        }
        var retransmissions = lab.Events.Count(e => e.Rule == Rule.DataRetransmitted);
        Assert.Equal(3, retransmissions);
        Assert.Single(lab.Events, e => e.Kind == EventKind.ConnectionTimedOut && e.Rule == Rule.DataRetriesExhausted);
        // RTO 1 s doubling: retransmissions at +1, +3, +7 s, give up at +15 s.
        Assert.Equal(30 + 15_000, lab.NowMs);
    }

    [Fact]
    public void Rto_never_exceeds_the_maximum()
    {
        var lab = TcpLab.Rfc(new ProfileOverrides { MaxRtoMs = 4000, DataRetries = 6 }).Established().Send(Client, "x");
        while (lab.Session.StateOf(Client) != TcpState.Closed)
        {
            lab.DropInFlight().Step();
        }
        var sends = lab.Events.Where(e => e.Kind == EventKind.SegmentSent && e.Endpoint == "client" && e.Segment!.Length == 1).Select(e => e.TimeMs).ToList();
        Assert.Equal([1000.0, 2000, 4000, 4000, 4000, 4000], sends.Zip(sends.Skip(1), (a, b) => b - a));
    }

    [Fact]
    public void Syn_retransmitted_handshake_starts_data_with_a_three_second_rto()
    {
        // RFC 6298 §5.7.
        var lab = TcpLab.Rfc().Listen().Connect().DropInFlight().RunIdle();
        Assert.Equal(3000, lab.View(Client).RtoMs);
    }
}
