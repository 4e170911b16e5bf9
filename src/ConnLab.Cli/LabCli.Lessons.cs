using System.CommandLine;
using System.Text;
using ConnLab.Contracts.Mapping;
using ConnLab.Contracts.V1;
using ConnLab.Engine.Tcp;
using Google.Protobuf;

namespace ConnLab.Cli;

/// <summary>
/// The commands for the lessons beyond open and close: running to a state, a SYN flood, a crafted segment, reading the
/// trace, and going back in time (rewind, fork). Each is one RPC of <c>connlab.v1.LabControl</c>.
/// </summary>
public sealed partial class LabCli
{
    private Command RunCommand()
    {
        var until = new Option<string>("--until") { Description = "idle, state (with --state and --endpoint) or steps (exactly --max-steps)" };
        var state = new Option<string?>("--state") { Description = "run until the endpoint reaches this state, e.g. ESTABLISHED or TIME_WAIT (implies --until state)" };
        var endpoint = new Option<string>("--endpoint") { Description = "the endpoint --state is about", DefaultValueFactory = _ => "client" };
        var maxSteps = new Option<int>("--max-steps") { Description = "step budget", DefaultValueFactory = _ => 1000 };
        var run = new Command("run", "step until nothing is in flight and no retransmission timer runs, or until a state") { _id, until, state, endpoint, maxSteps };
        run.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            var request = new RunRequest { SessionId = id, MaxSteps = p.GetValue(maxSteps) };
            var target = p.GetValue(state);
            request.Until = (p.GetValue(until) ?? (target is null ? "idle" : "state")).ToLowerInvariant() switch
            {
                "idle" => RunRequest.Types.Until.Idle,
                "state" => RunRequest.Types.Until.State,
                "steps" => RunRequest.Types.Until.Steps,
                var other => throw new UsageException($"--until must be idle, state or steps, not '{other}'"),
            };
            if (request.Until == RunRequest.Types.Until.State)
            {
                if (!TcpStateNames.TryParse(target, out var parsed))
                {
                    throw new UsageException(target is null
                        ? $"--until state needs --state: one of {string.Join(" ", TcpStateNames.All)}"
                        : $"--state must be one of {string.Join(" ", TcpStateNames.All)}, not '{target}'");
                }
                request.State = parsed.ToProto();
                request.Endpoint = Role(p.GetValue(endpoint));
            }
            await Print(await client.RunAsync(request, Auth(p, id), cancellationToken: ct));
        }));
        return run;
    }

    private Command FloodCommand()
    {
        var count = new Option<int>("--count") { Description = "how many SYNs", DefaultValueFactory = _ => 100 };
        var spoofed = new Option<bool>("--spoofed")
        {
            Description = "from random unused addresses (true), or from the client's address on random ports (false)",
            DefaultValueFactory = _ => true,
        };
        var flood = new Command("flood", "SYN flood: send SYNs at the server's port, filling its SYN queue") { _id, count, spoofed };
        flood.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            await Print(await client.SynFloodAsync(new SynFloodRequest { SessionId = id, Count = p.GetValue(count), Spoofed = p.GetValue(spoofed) },
                Auth(p, id), cancellationToken: ct));
        }));
        return flood;
    }

    private Command InjectCommand()
    {
        var from = new Option<string>("--from") { Description = "client or server: whose address and port the segment carries", Required = true };
        var flags = new Option<string>("--flags") { Description = "control bits, comma-separated: e.g. RST or SYN,ACK (none for no flag)", Required = true };
        var seq = new Option<uint>("--seq") { Description = "sequence number" };
        var ack = new Option<uint>("--ack") { Description = "acknowledgment number" };
        var window = new Option<uint>("--window") { Description = "window" };
        var data = new Option<string?>("--data") { Description = "payload text" };
        var src = new Option<string?>("--src") { Description = "explicit source address:port (a spoofed host)" };
        var dst = new Option<string?>("--dst") { Description = "explicit destination address:port" };
        var inject = new Command("inject", "put a hand-made segment in flight, as hping3 or scapy would (a blind RST, an old SYN, …)")
        {
            _id, from, flags, seq, ack, window, data, src, dst,
        };
        inject.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            var request = new InjectSegmentRequest
            {
                SessionId = id, From = Role(p.GetValue(from)), Seq = p.GetValue(seq), Ack = p.GetValue(ack), Window = p.GetValue(window),
                Data = ByteString.CopyFrom(Encoding.UTF8.GetBytes(p.GetValue(data) ?? "")),
            };
            request.Flags.AddRange(ContractMapping.ToProto(Flags(p.GetValue(flags)!)));
            if (p.GetValue(src) is { } s) { request.Src = s; }
            if (p.GetValue(dst) is { } d) { request.Dst = d; }
            await Print(await client.InjectSegmentAsync(request, Auth(p, id), cancellationToken: ct));
        }));
        return inject;
    }

    private static TcpFlags Flags(string text)
    {
        var bits = TcpFlags.None;
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return bits;
        }
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            bits |= TcpFlagNames.TryParse(name, out var flag)
                ? flag
                : throw new UsageException($"--flags: '{name}' is not a flag (URG, ACK, PSH, RST, SYN, FIN, or none)");
        }
        return bits;
    }

    private Command EventsCommand()
    {
        var from = new Option<long>("--from") { Description = "first event index" };
        var limit = new Option<int?>("--limit") { Description = "at most this many events (default: to the end of the trace)" };
        var brief = new Option<bool>("--brief") { Description = "one line per event, without the explanation" };
        var events = new Command("events", "print the trace: every event with the rule and RFC section behind it") { _id, from, limit, brief };
        events.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            var next = p.GetValue(from);
            var left = p.GetValue(limit) ?? int.MaxValue;
            if (next < 0 || left < 1)
            {
                throw new UsageException(next < 0 ? "--from must not be negative" : "--limit must be at least 1");
            }
            while (left > 0)
            {
                // Pages of the server's largest size: a long trace is read in a few calls, not one per hundred events.
                var page = await client.ListEventsAsync(new ListEventsRequest { SessionId = id, From = next, Limit = Math.Min(left, 1000) },
                    cancellationToken: ct);
                foreach (var e in page.Events)
                {
                    foreach (var line in TraceText.Lines(e, explain: !p.GetValue(brief)))
                    {
                        await output.WriteLineAsync(line);
                    }
                }
                left -= page.Events.Count;
                if (page.Events.Count == 0 || page.Next >= page.Total)
                {
                    break;
                }
                next = page.Next;
            }
        }));
        return events;
    }

    private Command RewindCommand()
    {
        var toStep = new Argument<long>("step") { Description = "the step to go back to (the session is as it was just after it)" };
        var rewind = new Command("rewind", "go back in time: the session as it was after a step (later events are removed)") { _id, toStep };
        rewind.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            var session = await client.RewindAsync(new RewindRequest { SessionId = id, ToStep = p.GetValue(toStep) }, Auth(p, id), cancellationToken: ct);
            await output.WriteLineAsync($"rewound {id} to step {session.Step}");
            await Show(session);
        }));
        return rewind;
    }

    private Command ForkCommand()
    {
        var atStep = new Option<long?>("--at-step") { Description = "the step to branch at (default: the current one)" };
        var fork = new Command("fork", "branch a new session from this one (\"what if this ACK were lost?\"); its token is remembered") { _id, atStep };
        fork.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            var at = p.GetValue(atStep) ?? (await client.GetSessionAsync(new SessionRequest { SessionId = id }, cancellationToken: ct)).Step;
            await Created(await client.ForkAsync(new ForkRequest { SessionId = id, AtStep = at }, Auth(p, id), cancellationToken: ct));
        }));
        return fork;
    }
}
