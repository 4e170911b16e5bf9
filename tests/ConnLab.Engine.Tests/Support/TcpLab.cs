using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Tests.Support;

/// <summary>
/// A small DSL over <see cref="LabSession"/> for tests that read like the RFC: act, step, expect the exact segments
/// sent (flags, seq, ack, len) and both endpoints' states. Client ISS 1000, server ISS 5000, 10 ms link.
/// </summary>
internal sealed class TcpLab
{
    public const EndpointRole Client = EndpointRole.Client;
    public const EndpointRole Server = EndpointRole.Server;

    private int _cursor; // ExpectSent/ExpectNothingSent look at wire events from here
    private int _mark;   // ExpectEvent/ExpectNoEvent look at events from here (set by Skip and Inject)

    public TcpLab(string profile = "rfc9293", SessionConfig? config = null, ProfileOverrides? overrides = null)
    {
        config ??= new SessionConfig
        {
            Profile = profile,
            Client = EndpointConfig.DefaultClient with { Isn = 1000 },
            Server = EndpointConfig.DefaultServer with { Isn = 5000 },
        };
        if (overrides is not null)
        {
            config = config with { Overrides = overrides };
        }
        Session = LabSession.Create(config);
    }

    public static TcpLab Rfc(ProfileOverrides? overrides = null) => new("rfc9293", overrides: overrides);

    public static TcpLab Linux(ProfileOverrides? overrides = null) => new("linux", overrides: overrides);

    public LabSession Session { get; }

    public IReadOnlyList<LabEvent> Events => Session.Events;

    public CommandResult Do(LabCommand command)
    {
        var result = Session.Execute(command);
        Assert.True(result.Ok, $"{command} was refused: {result.Error?.Message}");
        return result;
    }

    public LabError Refused(LabCommand command)
    {
        var before = Session.Events.Count;
        var result = Session.Execute(command);
        Assert.False(result.Ok, $"{command} should have been refused");
        Assert.Equal(before, Session.Events.Count);
        return result.Error!;
    }

    public TcpLab Listen(EndpointRole who = Server) => Act(who, EndpointAction.Listen);
    public TcpLab Connect(EndpointRole who = Client) => Act(who, EndpointAction.Connect);
    public TcpLab Close(EndpointRole who) => Act(who, EndpointAction.Close);
    public TcpLab Shutdown(EndpointRole who) => Act(who, EndpointAction.Shutdown);
    public TcpLab Abort(EndpointRole who) => Act(who, EndpointAction.Abort);
    public TcpLab Accept(EndpointRole who = Server) => Act(who, EndpointAction.Accept);
    public TcpLab Read(EndpointRole who, int maxBytes = 0) => Act(who, EndpointAction.Read, default, maxBytes);
    public TcpLab Send(EndpointRole who, string text) => Act(who, EndpointAction.Send, System.Text.Encoding.ASCII.GetBytes(text));
    public TcpLab Send(EndpointRole who, int octets) => Act(who, EndpointAction.Send, Enumerable.Range(0, octets).Select(i => (byte)('a' + (i % 26))).ToArray());

    public TcpLab Act(EndpointRole who, EndpointAction action, ReadOnlyMemory<byte> data = default, int maxBytes = 0)
    {
        Do(new EndpointCommand(who, action, data, maxBytes));
        return this;
    }

    /// <summary>Processes exactly one scheduled thing.</summary>
    public TcpLab Step(int count = 1)
    {
        var r = Do(new StepCommand(count));
        Assert.Equal(count, r.StepsTaken);
        return this;
    }

    public TcpLab RunIdle(int maxSteps = 10_000)
    {
        var r = Do(new RunCommand(RunUntil.Idle, MaxSteps: maxSteps));
        Assert.Equal(StopReason.Idle, r.Stop);
        return this;
    }

    public TcpLab Advance(double ms)
    {
        Do(new AdvanceCommand(ms));
        return this;
    }

    /// <summary>Handshake done (run until idle) and the trace cursor moved past it.</summary>
    public TcpLab Established()
    {
        Listen().Connect().RunIdle();
        ExpectState(Client, TcpState.Established).ExpectState(Server, TcpState.Established);
        return Skip();
    }

    /// <summary>Forget everything recorded so far: later expectations look only at new events.</summary>
    public TcpLab Skip()
    {
        _cursor = Session.Events.Count;
        _mark = _cursor;
        return this;
    }

    /// <summary>Puts a crafted segment on the wire, e.g. <c>Inject(Client, "RST seq=1006")</c>, then steps it to arrival.</summary>
    public TcpLab Deliver(EndpointRole from, string segment, string? data = null, string? source = null)
    {
        var id = Inject(from, segment, data, source);
        // Step until this very segment has arrived (anything due earlier is processed first, as on a real wire).
        while (!Session.Events.Skip(_mark).Any(e => e.Kind is EventKind.SegmentDelivered or EventKind.SegmentDropped && e.Segment?.Id == id))
        {
            Assert.Equal(1, Do(new StepCommand(1)).StepsTaken);
        }
        return this;
    }

    /// <summary>Removes every segment in flight (as if the link lost them), so a test controls what arrives.</summary>
    public TcpLab DropInFlight(EndpointRole? from = null)
    {
        var port = from is null ? -1 : View(from.Value).Port;
        foreach (var f in Session.Snapshot().InFlight.Where(f => port < 0 || f.Segment.Source.Port == port))
        {
            Do(new DropSegmentCommand(f.Segment.Id));
        }
        return this;
    }

    public long Inject(EndpointRole from, string segment, string? data = null, string? source = null)
    {
        var spec = SegmentText.Parse(segment);
        Do(new InjectSegmentCommand(new CraftedSegment
        {
            From = from,
            Source = source,
            Flags = spec.Flags,
            Seq = spec.Seq,
            Ack = spec.Ack,
            Window = spec.Window ?? 65535,
            Mss = spec.Mss,
            Data = data is null ? default : System.Text.Encoding.ASCII.GetBytes(data),
        }));
        // The injected segment itself is not what tests want to look at.
        var id = Session.Events[^1].Segment!.Id;
        _cursor = Session.Events.Count;
        _mark = _cursor;
        return id;
    }

    /// <summary>The next segment put on the wire since the cursor must be this one, sent by <paramref name="who"/>.</summary>
    public TcpLab ExpectSent(string who, string segment)
    {
        var e = NextSent();
        Assert.True(e is not null, $"expected {who} to send {segment}, but nothing was sent");
        Assert.Equal(who, e!.Endpoint);
        Assert.Equal(SegmentText.Normalize(segment), SegmentText.Format(e.Segment!, SegmentText.Parse(segment)));
        return this;
    }

    public TcpLab ExpectSent(EndpointRole who, string segment) => ExpectSent(Name(who), segment);

    /// <summary>No segment was put on the wire since the cursor.</summary>
    public TcpLab ExpectNothingSent()
    {
        var e = NextSent();
        Assert.True(e is null, $"expected nothing on the wire, but {e?.Endpoint} sent {e?.Segment?.Describe()}");
        return this;
    }

    public TcpLab ExpectState(EndpointRole who, TcpState state)
    {
        Assert.Equal(state, Session.StateOf(who));
        return this;
    }

    public TcpLab ExpectEvent(EventKind kind, Rule? rule = null, string? endpoint = null)
    {
        var found = Session.Events.Skip(_mark).Any(e => e.Kind == kind && (rule is null || e.Rule == rule) && (endpoint is null || e.Endpoint == endpoint));
        Assert.True(found, $"expected a {kind.ToName()} event{(rule is null ? "" : $" ({rule})")} since index {_mark}; saw: {Recent()}");
        return this;
    }

    public TcpLab ExpectNoEvent(EventKind kind, Rule? rule = null)
    {
        var found = Session.Events.Skip(_mark).FirstOrDefault(e => e.Kind == kind && (rule is null || e.Rule == rule));
        Assert.True(found is null, $"did not expect {found?.Kind.ToName()}: {found?.Explanation}");
        return this;
    }

    public EndpointView View(EndpointRole who) => who == Client ? Session.Snapshot().Client : Session.Snapshot().Server;

    public double NowMs => Session.NowUs / 1000.0;

    /// <summary>All wire segments (sent or duplicated by the link) so far, as (who, text) pairs.</summary>
    public List<(string Who, string Text, double TimeMs)> Wire() => Session.Events
        .Where(e => e.Kind is EventKind.SegmentSent or EventKind.SegmentDuplicated && e.Rule != Rule.DelayedByUser)
        .Select(e => (e.Endpoint, SegmentText.Format(e.Segment!, null), e.TimeMs)).ToList();

    private LabEvent? NextSent()
    {
        for (var i = _cursor; i < Session.Events.Count; i++)
        {
            if (Session.Events[i].Kind == EventKind.SegmentSent && Session.Events[i].Rule != Rule.DelayedByUser)
            {
                _cursor = i + 1;
                return Session.Events[i];
            }
        }
        return null;
    }

    private string Recent() => string.Join(" | ", Session.Events.Skip(_mark).Take(12).Select(e => $"{e.Kind.ToName()}:{e.Rule}"));

    private static string Name(EndpointRole who) => who == Client ? "client" : "server";
}

/// <summary>Segments as tests write them: <c>SYN,ACK seq=5000 ack=1001 len=0</c> (flags in any order; win and mss optional).</summary>
internal static class SegmentText
{
    public sealed record Spec(TcpFlags Flags, long Seq, long Ack, int Len, int? Window, ushort Mss, bool HasLen);

    public static Spec Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var flags = TcpFlags.None;
        if (parts[0] != "none")
        {
            foreach (var name in parts[0].Split(','))
            {
                Assert.True(TcpFlagNames.TryParse(name, out var f), $"unknown flag {name}");
                flags |= f;
            }
        }
        long seq = 0, ack = 0;
        var len = 0;
        int? win = null;
        ushort mss = 0;
        var hasLen = false;
        foreach (var p in parts.Skip(1))
        {
            var kv = p.Split('=');
            switch (kv[0])
            {
                case "seq": seq = long.Parse(kv[1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "ack": ack = long.Parse(kv[1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "len": len = int.Parse(kv[1], System.Globalization.CultureInfo.InvariantCulture); hasLen = true; break;
                case "win": win = int.Parse(kv[1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "mss": mss = ushort.Parse(kv[1], System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown segment field {p}");
            }
        }
        return new Spec(flags, seq, ack, len, win, mss, hasLen);
    }

    /// <summary>Formats a segment with the fields the expectation mentions (win and mss only if it does).</summary>
    public static string Format(Segment s, Spec? like)
    {
        var text = $"{TcpFlagNames.ToLabel(s.Flags)} seq={s.Seq}";
        if (s.Has(TcpFlags.Ack))
        {
            text += $" ack={s.Ack}";
        }
        text += $" len={s.Length}";
        if (like?.Window is not null)
        {
            text += $" win={s.Window}";
        }
        if (like is { Mss: not 0 })
        {
            text += $" mss={s.Mss}";
        }
        return text;
    }

    public static string Normalize(string text)
    {
        var spec = Parse(text);
        var s = new Segment
        {
            Id = 0,
            Source = default,
            Destination = default,
            Seq = new SeqNum((uint)spec.Seq),
            Ack = new SeqNum((uint)spec.Ack),
            Flags = spec.Flags,
            Window = (ushort)(spec.Window ?? 0),
            Mss = spec.Mss,
            Payload = new byte[spec.Len],
        };
        return Format(s, spec);
    }
}
