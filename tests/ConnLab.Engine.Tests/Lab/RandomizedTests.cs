using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Tests.Lab;

/// <summary>
/// Thousands of seeded random command sequences over random profiles and impairments. Whatever happens, the engine
/// must not throw, must keep its invariants, and must replay to the same bytes.
/// </summary>
public class RandomizedTests
{
    private static readonly HashSet<(TcpState, TcpState)> LegalTransitions =
    [
        (TcpState.Closed, TcpState.Listen), (TcpState.Closed, TcpState.SynSent),
        (TcpState.Listen, TcpState.SynReceived), (TcpState.Listen, TcpState.Closed), (TcpState.Listen, TcpState.Established),
        (TcpState.SynSent, TcpState.SynReceived), (TcpState.SynSent, TcpState.Established), (TcpState.SynSent, TcpState.Closed),
        (TcpState.SynReceived, TcpState.Established), (TcpState.SynReceived, TcpState.FinWait1), (TcpState.SynReceived, TcpState.Listen),
        (TcpState.SynReceived, TcpState.Closed),
        (TcpState.Established, TcpState.FinWait1), (TcpState.Established, TcpState.CloseWait), (TcpState.Established, TcpState.Closed),
        (TcpState.FinWait1, TcpState.FinWait2), (TcpState.FinWait1, TcpState.Closing), (TcpState.FinWait1, TcpState.TimeWait),
        (TcpState.FinWait1, TcpState.Closed),
        (TcpState.FinWait2, TcpState.TimeWait), (TcpState.FinWait2, TcpState.Closed),
        (TcpState.CloseWait, TcpState.LastAck), (TcpState.CloseWait, TcpState.Closed),
        (TcpState.Closing, TcpState.TimeWait), (TcpState.Closing, TcpState.Closed),
        (TcpState.LastAck, TcpState.Closed), (TcpState.TimeWait, TcpState.Closed),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_command_sequences_keep_every_invariant(int batch)
    {
        int prefixChecks = 0, fullChecks = 0;
        for (var i = 0; i < 500; i++)
        {
            var (prefix, full) = RunOne((ulong)((batch * 500) + i + 1));
            prefixChecks += prefix;
            fullChecks += full;
        }
        // Chaos rarely leaves one clean connection; the well-behaved suite below covers full delivery.
        Assert.True(prefixChecks >= 50, $"only {prefixChecks} prefix checks ran");
        _ = fullChecks;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Random_transfers_over_impaired_links_deliver_every_octet_in_order_when_closed_cleanly(int batch)
    {
        for (var i = 0; i < 250; i++)
        {
            WellBehavedTransfer((ulong)(10_000 + (batch * 250) + i));
        }
    }

    internal static LabSession WellBehavedTransfer(ulong seed, bool check = true)
    {
        {
            var rng = new Random((int)seed);
            var session = LabSession.Create(new SessionConfig
            {
                Profile = rng.Next(2) == 0 ? "rfc9293" : "linux",
                Seed = seed,
                Server = EndpointConfig.DefaultServer with { AutoRead = rng.Next(3) != 0, ReceiveBuffer = rng.Next(2) == 0 ? null : rng.Next(500, 8000) },
                Client = EndpointConfig.DefaultClient with { Isn = rng.Next(2) == 0 ? 4294967000L - rng.Next(0, 100_000) : null },
                Link = new LinkConfig
                {
                    DelayMs = rng.Next(1, 30),
                    JitterMs = rng.Next(0, 10),
                    LossRate = rng.NextDouble() * 0.15,
                    DuplicateRate = rng.NextDouble() * 0.1,
                    ReorderRate = rng.NextDouble() * 0.1,
                },
                Overrides = new ProfileOverrides { DataRetries = 30, SynRetries = 30, MaxRtoMs = 4000 },
            });
            var sent = new Dictionary<EndpointRole, List<byte>> { [EndpointRole.Client] = [], [EndpointRole.Server] = [] };
            void Do(LabCommand c) { var r = session.Execute(c); Assert.True(r.Ok || !check, $"seed {seed}: {c} refused: {r.Error?.Message}"); }
            Do(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
            Do(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
            for (var c = 0; c < 30; c++)
            {
                var role = rng.Next(2) == 0 ? EndpointRole.Client : EndpointRole.Server;
                switch (rng.Next(7))
                {
                    case 0 or 1:
                        var data = RandomBytes(rng, rng.Next(1, 6000));
                        if (session.Execute(new EndpointCommand(role, EndpointAction.Send, data)).Ok)
                        {
                            sent[role].AddRange(data);
                        }
                        break;
                    case 2:
                        // Refused while the server has no connection yet (reading a listener is an error).
                        session.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Read, default, rng.Next(0, 3000)));
                        break;
                    case 3:
                        var inFlight = session.Snapshot().InFlight;
                        if (inFlight.Count > 0)
                        {
                            var id = inFlight[rng.Next(inFlight.Count)].Segment.Id;
                            Do(rng.Next(3) switch
                            {
                                0 => new DropSegmentCommand(id),
                                1 => new DuplicateSegmentCommand(id),
                                _ => new DelaySegmentCommand(id, rng.Next(1, 80)),
                            });
                        }
                        break;
                    default:
                        Do(new StepCommand(rng.Next(1, 30)));
                        break;
                }
            }
            // Drain: the server application reads everything, both sides close, the wire settles.
            for (var round = 0; round < 40 && !(session.IsIdle && session.Snapshot().Server.ReceiveQueue == 0); round++)
            {
                session.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Read));
                Do(new RunCommand(MaxSteps: 2000));
            }
            // shutdown(), not close(): on Linux a close()d socket resets data that still arrives (an orphan).
            Do(new EndpointCommand(EndpointRole.Client, EndpointAction.Shutdown));
            Do(new EndpointCommand(EndpointRole.Server, EndpointAction.Shutdown));
            for (var round = 0; round < 40 && !(session.IsIdle && session.Snapshot().Server.ReceiveQueue == 0); round++)
            {
                session.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Read));
                Do(new RunCommand(MaxSteps: 2000));
            }
            if (!check)
            {
                return session;
            }
            Assert.False(session.Events.Any(e => e.Kind is EventKind.ConnectionReset or EventKind.ConnectionTimedOut), $"seed {seed}: not a clean close");
            Assert.True(ReceivedFin(session, "server") && ReceivedFin(session, "client"), $"seed {seed}: a FIN never arrived");
            CheckDelivery(session, "server", sent[EndpointRole.Client], seed, closedCleanly: true);
            CheckDelivery(session, "client", sent[EndpointRole.Server], seed, closedCleanly: true);
            CheckInvariants(session, seed);
            return session;
        }
    }

    private static (int Prefix, int Full) RunOne(ulong seed)
    {
        var rng = new Random((int)seed); // the test's own randomness, not the engine's
        var config = new SessionConfig
        {
            Profile = rng.Next(2) == 0 ? "rfc9293" : "linux",
            Seed = seed,
            Server = EndpointConfig.DefaultServer with
            {
                Backlog = rng.Next(0, 4),
                SynCookies = rng.Next(2) == 0,
                AutoAccept = rng.Next(4) != 0,
                AutoRead = rng.Next(4) != 0,
                ReceiveBuffer = rng.Next(2) == 0 ? null : rng.Next(1, 4000),
            },
            Client = EndpointConfig.DefaultClient with { Isn = rng.Next(3) == 0 ? 4294967000L : null },
            Link = new LinkConfig
            {
                DelayMs = rng.Next(0, 20),
                JitterMs = rng.Next(0, 5),
                LossRate = rng.Next(3) == 0 ? rng.NextDouble() * 0.3 : 0,
                DuplicateRate = rng.Next(4) == 0 ? rng.NextDouble() * 0.2 : 0,
                ReorderRate = rng.Next(4) == 0 ? rng.NextDouble() * 0.2 : 0,
            },
            Overrides = new ProfileOverrides { DataRetries = 4, SynRetries = 3, SynAckRetries = 2 },
            Limits = new LabLimits { MaxEvents = 20_000, MaxStepsPerCommand = 400 },
        };
        var session = LabSession.Create(config);
        var sentByClient = new List<byte>();
        var sentByServer = new List<byte>();
        for (var c = 0; c < 40; c++)
        {
            var command = RandomCommand(rng, session);
            var before = session.Events.Count;
            var result = session.Execute(command);
            if (!result.Ok)
            {
                Assert.Equal(before, session.Events.Count); // a refused command changes nothing
                continue;
            }
            if (command is EndpointCommand { Action: EndpointAction.Send } send)
            {
                (send.Endpoint == EndpointRole.Client ? sentByClient : sentByServer).AddRange(send.Data.ToArray());
            }
            CheckInvariants(session, seed);
        }
        // Blind in-window data injection is accepted by TCP (that is the attack RFC 5961 narrows), and a new
        // connection starts a new stream: the byte-stream check applies to single-connection sessions without it.
        var injectedData = session.Commands.Any(r => r.Command is InjectSegmentCommand { Segment.Data.IsEmpty: false });
        int prefixChecks = 0, fullChecks = 0;
        if (!injectedData && Connections(session, "client") <= 1 && Connections(session, "server") <= 1)
        {
            var clean = !session.Events.Any(e => e.Kind is EventKind.ConnectionReset or EventKind.ConnectionTimedOut or EventKind.ConnectionRefused);
            var serverFull = clean && session.Config.Server.AutoRead && ReceivedFin(session, "server") && sentByClient.Count > 0;
            var clientFull = clean && ReceivedFin(session, "client") && sentByServer.Count > 0;
            CheckDelivery(session, "server", sentByClient, seed, serverFull);
            CheckDelivery(session, "client", sentByServer, seed, clientFull);
            prefixChecks = 2;
            fullChecks = (serverFull ? 1 : 0) + (clientFull ? 1 : 0);
        }
        Assert.Null(LabSession.TryReplay(session.Config, session.Commands, null, out var replayed));
        var a = session.Events;
        var b = replayed!.Events;
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            if (i >= a.Count || i >= b.Count || !EventCodec.Encode(a[i]).AsSpan().SequenceEqual(EventCodec.Encode(b[i])))
            {
                Assert.Fail($"seed {seed}: replay differs at event {i} of {a.Count}/{b.Count}: original [{Describe(a, i)}] replay [{Describe(b, i)}]; commands: {string.Join("; ", session.Commands.Select(CommandCodec.Serialize))}");
            }
        }
        return (prefixChecks, fullChecks);
    }

    private static string Describe(IReadOnlyList<LabEvent> events, int i) =>
        i < events.Count ? $"{events[i].Step} {events[i].TimeUs} {events[i].Kind.ToName()} {events[i].Endpoint} {events[i].Rule} {events[i].Segment?.Describe()}" : "end";

    private static LabCommand RandomCommand(Random rng, LabSession session)
    {
        var role = rng.Next(2) == 0 ? EndpointRole.Client : EndpointRole.Server;
        var inFlight = session.Snapshot().InFlight;
        long SomeSegment() => inFlight.Count > 0 && rng.Next(5) != 0 ? inFlight[rng.Next(inFlight.Count)].Segment.Id : rng.Next(1, 50);
        return rng.Next(20) switch
        {
            0 => new EndpointCommand(role, EndpointAction.Listen),
            1 or 2 => new EndpointCommand(role, EndpointAction.Connect),
            3 or 4 => new EndpointCommand(role, EndpointAction.Send, RandomBytes(rng, rng.Next(1, 3000))),
            5 => new EndpointCommand(role, EndpointAction.Close),
            6 => new EndpointCommand(role, EndpointAction.Shutdown),
            7 => new EndpointCommand(role, rng.Next(3) == 0 ? EndpointAction.Abort : EndpointAction.Read, default, rng.Next(0, 2000)),
            8 => new EndpointCommand(EndpointRole.Server, EndpointAction.Accept),
            9 or 10 or 11 => new StepCommand(rng.Next(1, 20)),
            12 => new RunCommand(RunUntil.Idle, MaxSteps: rng.Next(1, 300)),
            13 => new AdvanceCommand(rng.Next(0, 3) * rng.NextDouble() * 70_000),
            14 => new DropSegmentCommand(SomeSegment()),
            15 => new DuplicateSegmentCommand(SomeSegment()),
            16 => new DelaySegmentCommand(SomeSegment(), rng.Next(1, 100)),
            17 => new SynFloodCommand(rng.Next(1, 6), rng.Next(2) == 0),
            _ => new InjectSegmentCommand(new CraftedSegment
            {
                From = role,
                Flags = (TcpFlags)rng.Next(0, 64),
                Seq = RandomSeq(rng, session, role),
                Ack = RandomSeq(rng, session, role == EndpointRole.Client ? EndpointRole.Server : EndpointRole.Client),
                Window = rng.Next(0, 65536),
                Data = rng.Next(3) == 0 ? RandomBytes(rng, rng.Next(1, 50)) : default,
            }),
        };
    }

    // Mostly near the live sequence numbers, sometimes anywhere: both in-window and absurd segments.
    private static long RandomSeq(Random rng, LabSession session, EndpointRole role)
    {
        var view = role == EndpointRole.Client ? session.Snapshot().Client : session.Snapshot().Server;
        return rng.Next(3) == 0 ? (uint)rng.NextInt64() : (uint)(view.SndNxt + (uint)rng.Next(-5, 100));
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static void CheckInvariants(LabSession session, ulong seed)
    {
        var events = session.Events;
        for (var i = 0; i < events.Count; i++)
        {
            Assert.True(events[i].Index == i, $"seed {seed}: event {i} has index {events[i].Index}");
            if (i > 0)
            {
                Assert.True(events[i].Step >= events[i - 1].Step && events[i].TimeUs >= events[i - 1].TimeUs, $"seed {seed}: time or step went back at {i}");
            }
            if (events[i].Kind == EventKind.StateChanged)
            {
                var t = (events[i].From!.Value, events[i].To!.Value);
                Assert.True(LegalTransitions.Contains(t), $"seed {seed}: illegal transition {t} at {i}: {events[i].Explanation}");
            }
            _ = events[i].Explanation; // every event renders
        }
        var snapshot = session.Snapshot();
        foreach (var socket in snapshot.Sockets.Where(s => s.State is not (TcpState.Listen or TcpState.Closed)))
        {
            Assert.True(Enum.IsDefined(socket.State));
            Assert.True(new SeqNum(socket.SndUna) <= new SeqNum(socket.SndNxt), $"seed {seed}: {socket.Name} SND.UNA {socket.SndUna} > SND.NXT {socket.SndNxt}");
            Assert.True(socket.RcvWnd <= 65535 && socket.ReceiveQueue >= 0 && socket.SendQueue >= 0, $"seed {seed}: bad queue/window on {socket.Name}");
        }
        Assert.True(snapshot.Listener is null || snapshot.Listener.SynQueue <= snapshot.Listener.SynQueueLimit);
    }

    /// <summary>
    /// What the receiver handed to its application is always a prefix of what the sender's user sent; once the
    /// connection closed cleanly (the receiver got the FIN, no reset or time-out), it is all of it.
    /// </summary>
    private static void CheckDelivery(LabSession session, string receiver, List<byte> sent, ulong seed, bool closedCleanly)
    {
        var delivered = session.Events
            .Where(e => e.Kind == EventKind.DataDelivered && e.Endpoint == receiver)
            .SelectMany(e => e.Data.ToArray()).ToList();
        Assert.True(delivered.Count <= sent.Count && delivered.SequenceEqual(sent.Take(delivered.Count)),
            $"seed {seed}: {receiver} received {delivered.Count} octets that are not a prefix of the {sent.Count} sent");
        if (closedCleanly)
        {
            Assert.True(delivered.Count == sent.Count, $"seed {seed}: {receiver} got the FIN after only {delivered.Count} of {sent.Count} octets");
        }
    }

    // Connections an endpoint took part in: its active opens plus passive opens of its primary socket.
    private static int Connections(LabSession session, string endpoint) => session.Events.Count(e =>
        e.Kind == EventKind.StateChanged && e.Endpoint == endpoint && e.To is TcpState.SynSent or TcpState.SynReceived
        && e.From is TcpState.Closed or TcpState.Listen);

    private static bool ReceivedFin(LabSession session, string endpoint) => session.Events.Any(e =>
        e.Kind == EventKind.StateChanged && e.Endpoint == endpoint
        && e.Rule is Rule.FinReceived or Rule.FinWait2Fin or Rule.FinWait1FinAndAck or Rule.SimultaneousClose);
}
