using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Lab;

public class SessionTests
{
    private static SessionConfig Lossy(ulong seed) => new()
    {
        Profile = "linux",
        Seed = seed,
        Link = new LinkConfig { DelayMs = 5, JitterMs = 3, LossRate = 0.2, DuplicateRate = 0.1, ReorderRate = 0.1 },
    };

    private static LabSession Drive(SessionConfig config)
    {
        var s = LabSession.Create(config);
        s.Execute(new EndpointCommand(Server, EndpointAction.Listen));
        s.Execute(new EndpointCommand(Client, EndpointAction.Connect));
        s.Execute(new RunCommand(RunUntil.State, Client, TcpState.Established, 5000));
        s.Execute(new EndpointCommand(Client, EndpointAction.Send, new byte[20_000]));
        s.Execute(new RunCommand(MaxSteps: 5000));
        s.Execute(new EndpointCommand(Client, EndpointAction.Close));
        s.Execute(new AdvanceCommand(2_000));
        s.Execute(new EndpointCommand(Server, EndpointAction.Close));
        s.Execute(new RunCommand(MaxSteps: 5000));
        return s;
    }

    private static byte[][] Encoded(LabSession s) => s.Events.Select(EventCodec.Encode).ToArray();

    [Fact]
    public void A_snapshot_lists_segments_arriving_together_by_id()
    {
        var s = LabSession.Create(new SessionConfig { Link = new LinkConfig { DelayMs = 10 }, Seed = 3 });
        s.Execute(new EndpointCommand(Server, EndpointAction.Listen));
        Assert.Null(s.Execute(new SynFloodCommand(200)).Error);

        var listed = s.Snapshot().InFlight;

        Assert.Equal(200, listed.Count);
        Assert.Single(listed.Select(f => f.DeliverAtUs).Distinct());
        Assert.Equal(listed.Select(f => f.Segment.Id).Order(), listed.Select(f => f.Segment.Id));
    }

    [Fact]
    public void A_snapshot_lists_segments_in_flight_by_arrival_when_jitter_reorders_them()
    {
        var s = LabSession.Create(new SessionConfig { Profile = "linux", Link = new LinkConfig { DelayMs = 10, JitterMs = 8 }, Seed = 3 });
        s.Execute(new EndpointCommand(Server, EndpointAction.Listen));
        s.Execute(new EndpointCommand(Client, EndpointAction.Connect));
        s.Execute(new RunCommand(RunUntil.State, Client, TcpState.Established, 5000));
        s.Execute(new EndpointCommand(Client, EndpointAction.Send, new byte[60_000]));
        s.Execute(new StepCommand(12));

        var listed = s.Snapshot().InFlight.Select(f => (f.DeliverAtUs, f.Segment.Id)).ToList();

        Assert.True(listed.Count >= 8, $"{listed.Count} in flight");
        Assert.Equal(listed.Order().ToList(), listed);
        Assert.NotEqual(listed.Select(l => l.Id).Order(), listed.Select(l => l.Id)); // arrival, not sending, order
    }

    [Fact]
    public void A_snapshot_lists_the_earliest_256_segments_in_flight_and_counts_them_all()
    {
        var s = LabSession.Create(new SessionConfig { Link = new LinkConfig { DelayMs = 10, JitterMs = 8 }, Seed = 3 });
        s.Execute(new EndpointCommand(Server, EndpointAction.Listen));
        Assert.Null(s.Execute(new SynFloodCommand(1000)).Error);
        var snapshot = s.Snapshot();
        Assert.Equal(1000, snapshot.InFlightCount);
        Assert.Equal(SessionSnapshot.InFlightListed, snapshot.InFlight.Count);
        var order = snapshot.InFlight.Select(f => (f.DeliverAtUs, f.Segment.Id)).ToList();
        Assert.Equal(order.Order().ToList(), order);
        // The listed ones are the earliest: the first 256 flood SYNs delivered are exactly them, in that order
        // (SYN-ACKs sent meanwhile have higher ids and are left out).
        var floodIds = s.Events.Where(e => e.Kind == EventKind.SegmentSent).Select(e => e.Segment!.Id).ToHashSet();
        var delivered = new List<long>();
        for (var i = 0; i < 10_000 && delivered.Count < SessionSnapshot.InFlightListed; i++)
        {
            var before = s.Events.Count;
            s.Execute(new StepCommand());
            delivered.AddRange(s.Events.Skip(before).Where(e => e.Kind == EventKind.SegmentDelivered && floodIds.Contains(e.Segment!.Id))
                .Select(e => e.Segment!.Id));
        }
        Assert.Equal(order.Select(o => o.Id), delivered);

        s.Execute(new RunCommand(MaxSteps: 100_000));
        var quiet = s.Snapshot();
        Assert.Equal((0, 0), (quiet.InFlightCount, quiet.InFlight.Count));
    }

    [Fact]
    public void Explanations_quote_the_segment_summary_in_place_with_its_reference()
    {
        var s = LabSession.Create(new SessionConfig
        {
            Profile = "rfc9293", Client = EndpointConfig.DefaultClient with { Isn = 4294967290 }, Server = EndpointConfig.DefaultServer with { Isn = 5000 },
        });
        s.Execute(new EndpointCommand(Server, EndpointAction.Listen));
        s.Execute(new EndpointCommand(Client, EndpointAction.Connect));
        s.Execute(new StepCommand());
        var synAck = s.Events.Single(e => e.Rule == Rule.SynAckSent);
        Assert.Equal("server sends SYN,ACK seq=5000 ack=4294967291 win=65535 len=0: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> acknowledges the SYN "
            + $"and synchronizes its own ISS ({synAck.Reference})", synAck.Explanation);
        Assert.Equal("SYN seq=4294967290 win=65535 len=0", s.Events.First(e => e.Kind == EventKind.SegmentSent).Segment!.Describe());
        Assert.Equal("a segment", new SegmentSummary(null).ToString());
    }

    [Fact]
    public void Same_seed_and_commands_give_identical_traces_byte_for_byte()
    {
        var a = Drive(Lossy(7));
        var b = Drive(Lossy(7));
        Assert.Equal(Encoded(a), Encoded(b));
        Assert.Equal(a.Events.Select(e => e.Explanation), b.Events.Select(e => e.Explanation));
        Assert.Equal(a.ExportPcap(), b.ExportPcap());
        Assert.True(a.Events.Count > 100);
    }

    [Fact]
    public void Different_seeds_give_different_impairments()
    {
        Assert.NotEqual(Encoded(Drive(Lossy(7))), Encoded(Drive(Lossy(8))));
    }

    [Fact]
    public void Replaying_the_command_log_reproduces_the_trace()
    {
        var original = Drive(Lossy(3));
        Assert.Null(LabSession.TryReplay(original.Config, original.Commands, null, out var replayed));
        Assert.Equal(Encoded(original), Encoded(replayed!));
        Assert.Equal(original.Snapshot(), replayed!.Snapshot(), SnapshotComparer.Instance);
    }

    [Fact]
    public void Rewind_to_step_n_equals_a_fresh_replay_that_stops_at_n()
    {
        var original = Drive(Lossy(5));
        foreach (var n in new long[] { 0, 1, 7, original.StepCount / 2, original.StepCount })
        {
            Assert.Null(original.TryRewind(n, out var rewound));
            Assert.Equal(n, rewound!.StepCount);
            var expected = original.Events.Where(e => e.Step <= n).Select(EventCodec.Encode).ToArray();
            Assert.Equal(expected, Encoded(rewound));
            // And the rewound session carries on exactly as the original did (same seed, same randomness).
            Assert.Null(LabSession.TryReplay(rewound.Config, rewound.Commands, null, out var again));
            Assert.Equal(Encoded(rewound), Encoded(again!));
        }
    }

    [Fact]
    public void Fork_then_a_different_choice_diverges_only_after_the_fork_point()
    {
        var original = TcpLab.Rfc().Listen().Connect().Step(1).Session; // the SYN,ACK is in flight
        Assert.Null(original.TryRewind(1, out var fork));
        fork!.Execute(new DropSegmentCommand(fork.Snapshot().InFlight.Single().Segment.Id));
        original.Execute(new RunCommand());
        fork.Execute(new RunCommand());
        Assert.Equal(TcpState.Established, original.StateOf(Client));
        Assert.Equal(TcpState.Established, fork.StateOf(Client)); // recovered by retransmission
        Assert.True(fork.NowUs > original.NowUs + 900_000);
        var common = original.Events.TakeWhile(e => e.Step <= 1).Count();
        Assert.Equal(original.Events.Take(common).Select(EventCodec.Encode), fork.Events.Take(common).Select(EventCodec.Encode));
    }

    [Fact]
    public void Rewind_past_the_end_is_step_out_of_range()
    {
        var s = TcpLab.Rfc().Established().Session;
        Assert.Equal(LabErrorCode.StepOutOfRange, s.TryRewind(s.StepCount + 1, out _)!.Code);
        Assert.Equal(LabErrorCode.StepOutOfRange, s.TryRewind(-1, out _)!.Code);
    }

    [Fact]
    public void Step_processes_exactly_one_scheduled_thing()
    {
        var lab = TcpLab.Rfc().Listen().Connect();
        var r = lab.Do(new StepCommand(1));
        Assert.Equal(1, r.StepsTaken);
        Assert.All(r.Events, e => Assert.Equal(1, e.Step));
        Assert.Equal(10_000, lab.Session.NowUs);
    }

    [Fact]
    public void Step_with_nothing_scheduled_takes_no_step()
    {
        var r = TcpLab.Rfc().Do(new StepCommand(5));
        Assert.Equal((0L, StopReason.Idle), (r.StepsTaken, r.Stop));
    }

    [Fact]
    public void Run_until_a_state_stops_as_soon_as_it_is_reached()
    {
        var lab = TcpLab.Rfc().Listen().Connect();
        var r = lab.Do(new RunCommand(RunUntil.State, Server, TcpState.SynReceived));
        Assert.Equal((1L, StopReason.StateReached), (r.StepsTaken, r.Stop));
    }

    [Fact]
    public void Run_until_idle_ignores_long_state_timers()
    {
        var lab = TcpLab.Rfc().Established().Close(Client).Step(2).Close(Server);
        var r = lab.Do(new RunCommand());
        Assert.Equal(StopReason.Idle, r.Stop);
        Assert.Equal(TcpState.TimeWait, lab.Session.StateOf(Client)); // the 2·MSL timer does not count
        Assert.True(lab.Session.IsIdle);
    }

    [Fact]
    public void Run_is_bounded_by_its_step_budget()
    {
        var lab = TcpLab.Rfc().Listen().Connect();
        var r = lab.Do(new RunCommand(RunUntil.Steps, MaxSteps: 2));
        Assert.Equal((2L, StopReason.StepBudget), (r.StepsTaken, r.Stop));
    }

    [Fact]
    public void Advance_moves_the_clock_and_fires_everything_due_on_the_way()
    {
        var lab = TcpLab.Rfc().Listen().Connect();
        var r = lab.Do(new AdvanceCommand(25));
        Assert.Equal(2, r.StepsTaken); // SYN at 10 ms, SYN,ACK at 20 ms; the ACK arrives at 30 ms
        Assert.Equal(25_000, lab.Session.NowUs);
        lab.ExpectState(Client, TcpState.Established).ExpectState(Server, TcpState.SynReceived);
    }

    [Fact]
    public void Drop_duplicate_and_delay_refuse_unknown_segments()
    {
        var lab = TcpLab.Rfc();
        Assert.Equal(LabErrorCode.SegmentNotFound, lab.Refused(new DropSegmentCommand(42)).Code);
        Assert.Equal(LabErrorCode.SegmentNotFound, lab.Refused(new DuplicateSegmentCommand(42)).Code);
        Assert.Equal(LabErrorCode.SegmentNotFound, lab.Refused(new DelaySegmentCommand(42, 5)).Code);
    }

    [Fact]
    public void Drop_duplicate_and_delay_refuse_ids_below_one_as_invalid_not_missing()
    {
        var lab = TcpLab.Rfc();
        foreach (var id in new[] { 0L, -1L, long.MinValue })
        {
            foreach (var command in new LabCommand[] { new DropSegmentCommand(id), new DuplicateSegmentCommand(id), new DelaySegmentCommand(id, 5) })
            {
                var error = lab.Refused(command);
                Assert.Equal((LabErrorCode.InvalidArgument, "segmentId"), (error.Code, error.Field));
            }
        }
    }

    [Fact]
    public void Duplicated_syn_is_answered_per_state_and_shows_on_the_wire()
    {
        var lab = TcpLab.Rfc().Listen().Connect();
        lab.Do(new DuplicateSegmentCommand(lab.Session.Snapshot().InFlight.Single().Segment.Id));
        Assert.Equal(2, lab.Session.Snapshot().InFlight.Count);
        lab.RunIdle();
        Assert.Equal(TcpState.Established, lab.Session.StateOf(Client));
        Assert.Single(lab.Events, e => e.Kind == EventKind.SegmentDuplicated && e.Rule == Rule.DuplicatedByUser);
    }

    [Fact]
    public void Delayed_segment_arrives_after_later_ones()
    {
        var lab = TcpLab.Rfc(new ProfileOverrides { Nagle = false }).Established().Send(Client, "a").Send(Client, "b");
        var first = lab.Session.Snapshot().InFlight[0].Segment;
        lab.Do(new DelaySegmentCommand(first.Id, 5));
        lab.Skip().Step().ExpectSent(Server, "ACK seq=5001 ack=1001 len=0"); // "b" arrives first: out of order
        lab.Step().ExpectSent(Server, "ACK seq=5001 ack=1003 len=0");
    }

    [Fact]
    public void Seeded_link_loss_is_recovered_by_retransmission()
    {
        var s = Drive(Lossy(11));
        Assert.Contains(s.Events, e => e.Rule == Rule.LinkLoss);
        Assert.Contains(s.Events, e => e.Rule == Rule.LinkDuplicated);
        // Despite losses, duplicates and reordering, every octet reached the server application once, in order.
        var delivered = s.Events.Where(e => e.Kind == EventKind.DataDelivered && e.Endpoint == "server").Sum(e => e.Value);
        Assert.Equal(20_000, delivered);
    }

    [Fact]
    public void Derived_isns_follow_rfc_6528_deterministic_per_seed_and_tuple()
    {
        static uint Iss(ulong seed, int port)
        {
            var s = LabSession.Create(new SessionConfig { Seed = seed, Client = EndpointConfig.DefaultClient with { Port = port } });
            s.Execute(new EndpointCommand(Client, EndpointAction.Connect));
            return s.Snapshot().Client.Iss;
        }
        Assert.Equal(Iss(1, 40000), Iss(1, 40000));
        Assert.NotEqual(Iss(1, 40000), Iss(2, 40000));
        Assert.NotEqual(Iss(1, 40000), Iss(1, 40001));
    }

    [Fact]
    public void Injected_segment_from_a_spoofed_source_is_put_on_the_wire_as_is()
    {
        var lab = TcpLab.Rfc().Listen();
        lab.Do(new InjectSegmentCommand(new CraftedSegment { Source = "192.0.2.7:5555", Flags = TcpFlags.Syn, Seq = 42, Window = 1024, Mss = 536 }));
        var e = lab.Events[^1];
        Assert.Equal(("attacker", "192.0.2.7:5555", "10.0.0.2:80", SegmentOrigin.Injected), (e.Endpoint, e.Segment!.Source.ToString(), e.Segment.Destination.ToString(), e.Segment.Origin));
    }

    [Theory]
    [InlineData("seq", -1L, 0L, 0)]
    [InlineData("ack", 0L, 4294967296L, 0)]
    [InlineData("window", 0L, 0L, 70000)]
    public void Crafted_segment_fields_out_of_range_are_refused_with_the_field_named(string field, long seq, long ack, int window)
    {
        var error = TcpLab.Rfc().Refused(new InjectSegmentCommand(new CraftedSegment { Flags = TcpFlags.Syn, Seq = seq, Ack = ack, Window = window }));
        Assert.Equal((LabErrorCode.InvalidArgument, field), (error.Code, error.Field));
    }

    [Fact]
    public void Limits_refuse_oversized_payloads_floods_and_step_counts()
    {
        var limits = new LabLimits { MaxPayloadBytes = 100, MaxFloodSize = 10, MaxStepsPerCommand = 10_000 };
        var lab = new TcpLab("rfc9293", new SessionConfig { Limits = limits }).Established();
        Assert.Equal((LabErrorCode.PayloadTooLarge, "data"), Pick(lab.Refused(new EndpointCommand(Client, EndpointAction.Send, new byte[101]))));
        Assert.Equal((LabErrorCode.LimitExceeded, "count"), Pick(lab.Refused(new SynFloodCommand(11))));
        Assert.Equal((LabErrorCode.InvalidArgument, "count"), Pick(lab.Refused(new SynFloodCommand(0))));
        Assert.Equal((LabErrorCode.InvalidArgument, "count"), Pick(lab.Refused(new StepCommand(10_001))));
        Assert.Equal((LabErrorCode.InvalidArgument, "maxSteps"), Pick(lab.Refused(new RunCommand(MaxSteps: 0))));
        Assert.Equal((LabErrorCode.InvalidArgument, "ms"), Pick(lab.Refused(new AdvanceCommand(double.NaN))));
    }

    [Fact]
    public void Event_limit_stops_a_run_cleanly_and_then_refuses_commands()
    {
        var lab = new TcpLab("rfc9293", new SessionConfig { Limits = new LabLimits { MaxEvents = 300 } }).Listen();
        lab.Do(new SynFloodCommand(40));
        var r = lab.Do(new RunCommand(RunUntil.Steps, MaxSteps: 10_000));
        Assert.Equal(StopReason.EventLimit, r.Stop);
        Assert.True(lab.Events.Count <= 300);
    }

    [Fact]
    public void Run_until_state_needs_endpoint_and_state()
    {
        Assert.Equal("endpoint", TcpLab.Rfc().Refused(new RunCommand(RunUntil.State, State: TcpState.Established)).Field);
    }

    [Theory]
    [InlineData("profile")]
    [InlineData("client.address")]
    [InlineData("client.port")]
    [InlineData("server.isn")]
    [InlineData("server.backlog")]
    [InlineData("link.lossRate")]
    [InlineData("overrides.mss")]
    [InlineData("overrides.minRtoMs")]
    public void Invalid_configuration_is_refused_with_the_field_named(string field)
    {
        var config = field switch
        {
            "profile" => new SessionConfig { Profile = "bsd" },
            "client.address" => new SessionConfig { Client = EndpointConfig.DefaultClient with { Address = "10.0.0.256" } },
            "client.port" => new SessionConfig { Client = EndpointConfig.DefaultClient with { Port = 0 } },
            "server.isn" => new SessionConfig { Server = EndpointConfig.DefaultServer with { Isn = 1L << 32 } },
            "server.backlog" => new SessionConfig { Server = EndpointConfig.DefaultServer with { Backlog = -1 } },
            "link.lossRate" => new SessionConfig { Link = new LinkConfig { LossRate = 1.5 } },
            "overrides.mss" => new SessionConfig { Overrides = new ProfileOverrides { Mss = 10 } },
            _ => new SessionConfig { Overrides = new ProfileOverrides { MinRtoMs = 5000, MaxRtoMs = 1000 } },
        };
        var error = LabSession.TryCreate(config, out var session);
        Assert.Null(session);
        Assert.Equal((LabErrorCode.InvalidArgument, field), (error!.Code, error.Field));
    }

    [Fact]
    public void Msl_override_moves_time_wait_to_two_msl()
    {
        var lab = TcpLab.Rfc(new ProfileOverrides { MslMs = 1000 }).Established().Close(Client).Step(2).Close(Server).Step();
        var timer = lab.Session.Snapshot().Timers.Single(t => t.Kind == TimerKind.TimeWait);
        Assert.Equal(2000.0, (timer.DueUs / 1000.0) - lab.NowMs);
    }

    [Fact]
    public void Every_scenario_preset_sets_up_without_error_and_replays()
    {
        foreach (var scenario in Scenarios.All)
        {
            var config = scenario.ConfigureSession(new SessionConfig { Profile = "linux" });
            var session = LabSession.Create(config);
            Assert.Null(scenario.Apply(session));
            Assert.Null(LabSession.TryReplay(session.Config, session.Commands, null, out var replayed));
            Assert.Equal(Encoded(session), Encoded(replayed!));
            session.Execute(new RunCommand(MaxSteps: 2000));
        }
    }

    [Fact]
    public void Snapshot_lists_in_flight_segments_timers_and_sockets()
    {
        var s = TcpLab.Rfc().Listen().Connect().Session.Snapshot();
        var inFlight = Assert.Single(s.InFlight);
        Assert.Equal((TcpFlags.Syn, 10_000L), (inFlight.Segment.Flags, inFlight.DeliverAtUs));
        Assert.Equal((TimerKind.Retransmission, 1_000_000L), (s.Timers.Single().Kind, s.Timers.Single().DueUs));
        Assert.Equal(["server:LISTEN", "client:SYN_SENT"], s.Sockets.Select(x => $"{x.Name}:{x.State.ToName()}").OrderByDescending(x => x));
        Assert.Equal((128, 0, 0), (s.Listener!.Backlog, s.Listener.SynQueue, s.Listener.AcceptQueue));
    }

    private static (LabErrorCode, string?) Pick(LabError e) => (e.Code, e.Field);

    private sealed class SnapshotComparer : IEqualityComparer<SessionSnapshot>
    {
        public static readonly SnapshotComparer Instance = new();

        public bool Equals(SessionSnapshot? x, SessionSnapshot? y) =>
            x!.TimeUs == y!.TimeUs && x.Step == y.Step && x.EventCount == y.EventCount && x.Client == y.Client && x.Server == y.Server
            && x.Sockets.SequenceEqual(y.Sockets) && x.Timers.SequenceEqual(y.Timers)
            && x.InFlight.Select(f => (f.Segment.Id, f.DeliverAtUs)).SequenceEqual(y.InFlight.Select(f => (f.Segment.Id, f.DeliverAtUs)))
            && x.Listener == y.Listener && x.Connections.SequenceEqual(y.Connections);

        public int GetHashCode(SessionSnapshot obj) => obj.Step.GetHashCode();
    }
}
