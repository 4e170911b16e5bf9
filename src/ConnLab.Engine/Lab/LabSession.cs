using ConnLab.Engine.Export;
using ConnLab.Engine.Net;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Lab;

/// <summary>
/// A sandboxed pair of simulated TCP endpoints: configuration + command log + event log. Deterministic: the same
/// configuration and commands give the same trace, byte for byte, which is what makes replay, rewind and fork exact.
/// </summary>
/// <remarks>Not thread-safe: callers serialise commands (the server runs one session's commands one at a time).</remarks>
public sealed class LabSession
{
    /// <summary>
    /// The engine's revision, raised by every change that makes the same configuration and commands give a different
    /// trace, so that a stored session can tell which engine recorded it. 1: up to 2026-11-30. 2: 2026-12-01, the first
    /// data of a connection whose ISS lies in the upper half of the sequence space is no longer marked a retransmission,
    /// and Linux's linear SYN timeouts have their own rule. A test pins a digest of this revision's traces
    /// (<c>EngineRevisionTests</c>), so a change that alters them without raising it fails there.
    /// </summary>
    public const int EngineRevision = 2;

    private readonly List<CommandRecord> _commands = [];
    private readonly ResolvedConfig _config;
    private Simulation _sim;
    private ConnectionLog _connections;

    private LabSession(ResolvedConfig config)
    {
        _config = config;
        _sim = new Simulation(config);
        _connections = new ConnectionLog(config.Client, config.Server);
    }

    /// <summary>Creates a session, or returns the first configuration error (with its field).</summary>
    public static LabError? TryCreate(SessionConfig config, out LabSession? session)
    {
        ArgumentNullException.ThrowIfNull(config);
        session = null;
        var error = ConfigValidation.Resolve(config, out var resolved);
        if (error is not null)
        {
            return error;
        }
        session = new LabSession(resolved!);
        return null;
    }

    /// <summary>Creates a session; throws <see cref="ArgumentException"/> for an invalid configuration.</summary>
    public static LabSession Create(SessionConfig? config = null)
    {
        var error = TryCreate(config ?? new SessionConfig(), out var session);
        return error is null ? session! : throw new ArgumentException(error.Message, error.Field);
    }

    /// <summary>The configuration the session was created with.</summary>
    public SessionConfig Config => _config.Source;

    /// <summary>The effective TCP profile (built-in profile plus overrides).</summary>
    public TcpProfile Profile => _config.Profile;

    /// <summary>Virtual time, µs.</summary>
    public long NowUs => _sim.NowUs;

    /// <summary>Steps taken so far.</summary>
    public long StepCount => _sim.Step;

    /// <summary>The trace.</summary>
    public IReadOnlyList<LabEvent> Events => _sim.Events;

    /// <summary>The command log.</summary>
    public IReadOnlyList<CommandRecord> Commands => _commands;

    /// <summary>True when nothing is in flight and no retransmission, delayed-ACK or persist timer runs.</summary>
    public bool IsIdle => _sim.IsIdle;

    /// <summary>When the next scheduled thing happens (µs), or null if nothing is scheduled: live mode paces on it.</summary>
    public long? NextDueUs => _sim.NextDueUs;

    /// <summary>The state an endpoint shows now.</summary>
    public TcpState StateOf(EndpointRole role) => _sim.StateOf(role);

    /// <summary>Runs one command. A refused command returns its error and changes nothing.</summary>
    /// <remarks>
    /// If the engine itself fails (a bug), the session is rebuilt from its log before the exception propagates, so
    /// a failed command never leaves it half-changed.
    /// </remarks>
    public CommandResult Execute(LabCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var firstEvent = _sim.Events.Count;
        var stepBefore = _sim.Step;
        try
        {
            var outcome = Run(command, replaySteps: null);
            if (outcome.Error is not null)
            {
                _sim.TruncateEvents(firstEvent);
                return new CommandResult { Error = outcome.Error, FirstEventIndex = firstEvent };
            }
            _commands.Add(new CommandRecord(stepBefore, outcome.Logged, outcome.Steps));
            var events = new LabEvent[_sim.Events.Count - firstEvent];
            _sim.Events.CopyTo(firstEvent, events, 0, events.Length);
            return new CommandResult { FirstEventIndex = firstEvent, Events = events, StepsTaken = outcome.Steps, Stop = outcome.Stop };
        }
        catch
        {
            _sim = Rebuild(_config, _commands, untilStep: null);
            _connections = new ConnectionLog(_config.Client, _config.Server);
            throw;
        }
    }

    /// <summary>The whole session now.</summary>
    public SessionSnapshot Snapshot() => _sim.Snapshot(_connections.Update(_sim.Events));

    /// <summary>Rebuilds a session from its configuration and command log, optionally stopping after step <paramref name="untilStep"/>.</summary>
    public static LabError? TryReplay(SessionConfig config, IReadOnlyList<CommandRecord> log, long? untilStep, out LabSession? session)
    {
        ArgumentNullException.ThrowIfNull(log);
        var error = TryCreate(config, out session);
        if (error is not null)
        {
            return error;
        }
        foreach (var record in log)
        {
            if (untilStep is { } limit && record.Step > limit)
            {
                break;
            }
            var steps = record.StepsTaken;
            var command = record.Command;
            if (untilStep is { } cap && record.Step + steps > cap)
            {
                steps = cap - record.Step;
                command = new StepCommand((int)steps);
            }
            var outcome = session!.Run(command, steps);
            if (outcome.Error is not null)
            {
                session = null;
                return new LabError(LabErrorCode.InvalidArgument,
                    $"the command log does not replay: command at step {record.Step} was refused ({outcome.Error.Message})", "commands");
            }
            session._commands.Add(new CommandRecord(record.Step, command, steps));
        }
        return null;
    }

    /// <summary>A new session equal to this one as it was right after step <paramref name="toStep"/> (every event with step ≤ toStep).</summary>
    public LabError? TryRewind(long toStep, out LabSession? rewound)
    {
        rewound = null;
        if (toStep < 0 || toStep > StepCount)
        {
            return new LabError(LabErrorCode.StepOutOfRange, $"step must be 0–{StepCount}, not {toStep}", "toStep");
        }
        return TryReplay(Config, _commands, toStep, out rewound);
    }

    /// <summary>Exports the trace as a pcap file (LINKTYPE_RAW IPv4 with real TCP checksums).</summary>
    public byte[] ExportPcap() => PcapWriter.Write(_sim.Events);

    /// <summary>Every socket on both hosts as <c>netstat -tan</c> would print them.</summary>
    public string ExportNetstat() => NetstatView.Render(Snapshot());

    /// <summary>The trace as a Mermaid sequence diagram.</summary>
    public string ExportMermaid() => MermaidExport.Render(_sim.Events, _config.Client, _config.Server);

    private static Simulation Rebuild(ResolvedConfig config, IReadOnlyList<CommandRecord> log, long? untilStep)
    {
        var error = TryReplay(config.Source, log, untilStep, out var session);
        return error is null ? session!._sim : throw new InvalidOperationException(error.Message);
    }

    private readonly record struct Outcome(LabError? Error, LabCommand Logged, long Steps, StopReason Stop);

    /// <summary>Validates and applies one command. With <paramref name="replaySteps"/>, moves take exactly that many steps.</summary>
    private Outcome Run(LabCommand command, long? replaySteps)
    {
        var limits = _config.Source.Limits;
        if (replaySteps is null && _sim.Events.Count >= limits.MaxEvents)
        {
            return Refuse(command, new LabError(LabErrorCode.LimitExceeded,
                $"the trace holds its maximum of {limits.MaxEvents} events; rewind, fork or delete the session", "events"));
        }
        return command switch
        {
            EndpointCommand c => RunEndpoint(c),
            StepCommand c => RunSteps(c, c.Count, "count", replaySteps),
            RunCommand c => RunUntil(c, replaySteps),
            AdvanceCommand c => RunAdvance(c, replaySteps),
            DropSegmentCommand c => Done(c, _sim.DropSegment(c.SegmentId)),
            DuplicateSegmentCommand c => Done(c, _sim.DuplicateSegment(c.SegmentId)),
            DelaySegmentCommand c => !double.IsFinite(c.Ms) || c.Ms <= 0 || c.Ms > 3_600_000
                ? Refuse(c, LabError.Invalid("ms", $"ms must be greater than 0 and at most 3600000, not {c.Ms}"))
                : Done(c, _sim.DelaySegment(c.SegmentId, (long)Math.Round(c.Ms * 1000))),
            InjectSegmentCommand c => RunInject(c),
            SynFloodCommand c => RunFlood(c),
            _ => Refuse(command, LabError.Invalid("command", $"unknown command {command.GetType().Name}")),
        };
    }

    private static Outcome Refuse(LabCommand command, LabError error) => new(error, command, 0, StopReason.Completed);

    private static Outcome Done(LabCommand command, LabError? error) => new(error, command, 0, StopReason.Completed);

    private Outcome RunEndpoint(EndpointCommand c)
    {
        var limits = _config.Source.Limits;
        if (!Enum.IsDefined(c.Endpoint))
        {
            return Refuse(c, LabError.Invalid("endpoint", "endpoint must be 'client' or 'server'"));
        }
        if (!Enum.IsDefined(c.Action))
        {
            return Refuse(c, LabError.Invalid("action", $"unknown action {c.Action}"));
        }
        if (c.Action == EndpointAction.Send)
        {
            if (c.Data.Length == 0)
            {
                return Refuse(c, LabError.Invalid("data", "send needs at least one octet of data"));
            }
            if (c.Data.Length > limits.MaxPayloadBytes)
            {
                return Refuse(c, new LabError(LabErrorCode.PayloadTooLarge,
                    $"send carries {c.Data.Length} octets; at most {limits.MaxPayloadBytes} are allowed", "data"));
            }
        }
        if (c.MaxBytes < 0)
        {
            return Refuse(c, LabError.Invalid("maxBytes", "maxBytes must not be negative"));
        }
        if (_sim.Link.Count >= limits.MaxInFlight)
        {
            return Refuse(c, _sim.InFlightFull());
        }
        // The log keeps its own copy: the caller's buffer may change after we return.
        var logged = c.Action == EndpointAction.Send ? c with { Data = c.Data.ToArray() } : c;
        return Done(logged, _sim.Act(c.Endpoint, c.Action, logged.Data, c.MaxBytes));
    }

    private Outcome RunSteps(LabCommand logged, long count, string field, long? replaySteps)
    {
        var limits = _config.Source.Limits;
        if (replaySteps is null && (count < 1 || count > limits.MaxStepsPerCommand))
        {
            return Refuse(logged, LabError.Invalid(field, $"{field} must be 1–{limits.MaxStepsPerCommand}, not {count}"));
        }
        var want = replaySteps ?? count;
        long steps = 0;
        var stop = StopReason.Completed;
        while (steps < want)
        {
            if (replaySteps is null && NearEventLimit)
            {
                stop = StopReason.EventLimit;
                break;
            }
            if (!_sim.StepOnce())
            {
                stop = StopReason.Idle;
                break;
            }
            steps++;
        }
        return new Outcome(null, logged, steps, stop);
    }

    private Outcome RunUntil(RunCommand c, long? replaySteps)
    {
        var limits = _config.Source.Limits;
        if (replaySteps is not null)
        {
            return RunSteps(c, replaySteps.Value, "maxSteps", replaySteps);
        }
        if (c.MaxSteps < 1 || c.MaxSteps > limits.MaxStepsPerCommand)
        {
            return Refuse(c, LabError.Invalid("maxSteps", $"maxSteps must be 1–{limits.MaxStepsPerCommand}, not {c.MaxSteps}"));
        }
        if (!Enum.IsDefined(c.Until))
        {
            return Refuse(c, LabError.Invalid("until", "until must be 'idle', 'state' or 'steps'"));
        }
        if (c.Until == Lab.RunUntil.State && (c.Endpoint is null || c.State is null))
        {
            return Refuse(c, LabError.Invalid(c.Endpoint is null ? "endpoint" : "state",
                "running until a state needs both 'endpoint' and 'state'"));
        }
        long steps = 0;
        StopReason stop;
        while (true)
        {
            if (c.Until == Lab.RunUntil.State && _sim.StateOf(c.Endpoint!.Value) == c.State)
            {
                stop = StopReason.StateReached;
                break;
            }
            if (c.Until == Lab.RunUntil.Idle && _sim.IsIdle)
            {
                stop = StopReason.Idle;
                break;
            }
            if (steps >= c.MaxSteps)
            {
                stop = StopReason.StepBudget;
                break;
            }
            if (NearEventLimit)
            {
                stop = StopReason.EventLimit;
                break;
            }
            if (!_sim.StepOnce())
            {
                stop = StopReason.Idle;
                break;
            }
            steps++;
        }
        return new Outcome(null, c, steps, stop);
    }

    private Outcome RunAdvance(AdvanceCommand c, long? replaySteps)
    {
        var limits = _config.Source.Limits;
        if (!double.IsFinite(c.Ms) || c.Ms < 0 || c.Ms > 86_400_000)
        {
            return Refuse(c, LabError.Invalid("ms", $"ms must be 0–86400000 (one day), not {c.Ms}"));
        }
        var target = _sim.NowUs + (long)Math.Round(c.Ms * 1000);
        if (replaySteps is { } exact)
        {
            for (long i = 0; i < exact; i++)
            {
                _sim.StepOnce();
            }
            _sim.SetClock(target);
            return new Outcome(null, c, exact, StopReason.Completed);
        }
        var budget = limits.MaxStepsPerCommand;
        var steps = _sim.AdvanceTo(target, budget, out var complete);
        // A cut-short advance did not move the clock to its target: it is logged as the steps it took.
        return complete
            ? new Outcome(null, c, steps, StopReason.Completed)
            : new Outcome(null, new StepCommand((int)steps), steps, StopReason.StepLimit);
    }

    private bool NearEventLimit => _sim.Events.Count + 256 > _config.Source.Limits.MaxEvents;

    private Outcome RunInject(InjectSegmentCommand c)
    {
        var s = c.Segment;
        var limits = _config.Source.Limits;
        if (s is null)
        {
            return Refuse(c, LabError.Invalid("segment", "a crafted segment is required"));
        }
        if (!Enum.IsDefined(s.From))
        {
            return Refuse(c, LabError.Invalid("from", "from must be 'client' or 'server'"));
        }
        var from = _sim.StackFor(s.From);
        var source = from.Primary;
        var destination = from.Peer;
        if (s.Source is not null && !IpPort.TryParse(s.Source, out source))
        {
            return Refuse(c, LabError.Invalid("src", $"'{s.Source}' is not address:port"));
        }
        if (s.Destination is not null && !IpPort.TryParse(s.Destination, out destination))
        {
            return Refuse(c, LabError.Invalid("dst", $"'{s.Destination}' is not address:port"));
        }
        var error = s.Seq is < 0 or > uint.MaxValue ? LabError.Invalid("seq", $"seq must be 0–4294967295, not {s.Seq}")
            : s.Ack is < 0 or > uint.MaxValue ? LabError.Invalid("ack", $"ack must be 0–4294967295, not {s.Ack}")
            : s.Window is < 0 or > 65535 ? LabError.Invalid("window", $"window must be 0–65535, not {s.Window}")
            : s.UrgentPointer is < 0 or > 65535 ? LabError.Invalid("urgentPointer", $"urgentPointer must be 0–65535, not {s.UrgentPointer}")
            : s.Mss is < 0 or > 65535 ? LabError.Invalid("mss", $"mss must be 0–65535, not {s.Mss}")
            : ((int)s.Flags & ~0x3F) != 0 ? LabError.Invalid("flags", "only URG ACK PSH RST SYN FIN exist")
            : s.Data.Length > limits.MaxPayloadBytes ? new LabError(LabErrorCode.PayloadTooLarge,
                $"the segment carries {s.Data.Length} octets; at most {limits.MaxPayloadBytes} are allowed", "data")
            : _sim.Link.Count >= limits.MaxInFlight ? _sim.InFlightFull()
            : null;
        if (error is not null)
        {
            return Refuse(c, error);
        }
        var data = s.Data.ToArray();
        _sim.Inject(new SegmentSpec(source, destination, new SeqNum((uint)s.Seq), new SeqNum((uint)s.Ack), s.Flags,
            (ushort)s.Window, data, (ushort)s.Mss, SegmentOrigin.Injected, (ushort)s.UrgentPointer));
        return Done(c with { Segment = s with { Data = data } }, null);
    }

    private Outcome RunFlood(SynFloodCommand c)
    {
        var limits = _config.Source.Limits;
        if (c.Count < 1 || c.Count > limits.MaxFloodSize)
        {
            return Refuse(c, new LabError(c.Count < 1 ? LabErrorCode.InvalidArgument : LabErrorCode.LimitExceeded,
                $"count must be 1–{limits.MaxFloodSize}, not {c.Count}", "count"));
        }
        if (_sim.Link.Count + (long)c.Count > limits.MaxInFlight)
        {
            return Refuse(c, _sim.InFlightFull());
        }
        // Each SYN costs at least two events now and a few when it arrives: refuse a flood the trace cannot hold.
        if (_sim.Events.Count + (4L * c.Count) > limits.MaxEvents)
        {
            return Refuse(c, new LabError(LabErrorCode.LimitExceeded,
                $"a flood of {c.Count} SYNs would overflow the trace's limit of {limits.MaxEvents} events", "count"));
        }
        _sim.SynFlood(c.Count, c.Spoofed);
        return Done(c, null);
    }
}
