using System.CommandLine;
using System.Globalization;
using ConnLab.Contracts.V1;
using ConnLab.Engine.Lab;

namespace ConnLab.Cli;

/// <summary>The commands that read: the presets, the session list, one session, and the trace's exports.</summary>
public sealed partial class LabCli
{
    private const int ShownInFlight = 20; // and timers: a flood runs one per half-open entry

    private Command ScenariosCommand()
    {
        var scenarios = new Command("scenarios", "the lesson presets create --scenario takes, and what each shows");
        scenarios.SetAction(async (_, ct) =>
        {
            // The engine's own list (the CLI is built with it), so no server is needed to read it.
            foreach (var preset in Scenarios.All)
            {
                await output.WriteLineAsync($"{preset.Name,-20} {preset.Title}");
                await output.WriteLineAsync($"{"",20} {preset.Description}");
            }
            return 0;
        });
        return scenarios;
    }

    private Command ListCommand()
    {
        var list = new Command("list", "list your sessions");
        list.SetAction((p, ct) => Do(p, async client =>
        {
            var sessions = (await client.ListSessionsAsync(new ListSessionsRequest(), Auth(p, null), cancellationToken: ct)).Sessions;
            if (sessions.Count == 0)
            {
                await output.WriteLineAsync("no sessions yet: connlab create --scenario handshake");
                return;
            }
            await output.WriteLineAsync($"{"id",-14}{"profile",-9}{"step",6}{"t ms",10}  {"client",-13}{"server",-13}name");
            foreach (var s in sessions)
            {
                await output.WriteLineAsync(s.InMemory
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"{s.Id,-14}{s.Profile,-9}{s.Step,6}{s.TimeMs,10:0.###}  {Name(s.ClientState),-13}{Name(s.ServerState),-13}{s.Name}")
                    : $"{s.Id,-14}{"(idle: stored, out of memory until used)",-57}{s.Name}");
            }
        }));
        return list;
    }

    private Command ShowCommand()
    {
        var show = new Command("show", "show both endpoints, the segments in flight and the timers") { _id };
        show.SetAction((p, ct) => Do(p, async client => await Show(await client.GetSessionAsync(new SessionRequest { SessionId = p.GetValue(_id)! }, cancellationToken: ct))));
        return show;
    }

    private IEnumerable<Command> ExportCommands()
    {
        var file = new Option<string>("--output", "-o") { Description = "file to write", DefaultValueFactory = _ => "trace.pcap" };
        var pcap = new Command("pcap", "save the trace as a pcap file for Wireshark") { _id, file };
        pcap.SetAction((p, ct) => Do(p, async client =>
        {
            var capture = await client.ExportPcapAsync(new SessionRequest { SessionId = p.GetValue(_id)! }, cancellationToken: ct);
            await File.WriteAllBytesAsync(p.GetValue(file)!, capture.Content.ToByteArray(), ct);
            await output.WriteLineAsync($"wrote {capture.Content.Length} bytes to {p.GetValue(file)}");
        }));
        yield return pcap;

        var netstat = new Command("netstat", "every socket on both hosts, as netstat -tan prints it") { _id };
        netstat.SetAction((p, ct) => Do(p, async client =>
            await output.WriteAsync((await client.NetstatAsync(new SessionRequest { SessionId = p.GetValue(_id)! }, cancellationToken: ct)).Text)));
        yield return netstat;

        var diagramFile = new Option<string?>("--output", "-o") { Description = "file to write (default: print it)" };
        var diagram = new Command("diagram", "the trace as a Mermaid sequence diagram (paste it into mermaid.live or a Markdown file)") { _id, diagramFile };
        diagram.SetAction((p, ct) => Do(p, async client =>
        {
            var text = (await client.ExportDiagramAsync(new SessionRequest { SessionId = p.GetValue(_id)! }, cancellationToken: ct)).Text;
            if (p.GetValue(diagramFile) is { } path)
            {
                await File.WriteAllTextAsync(path, text, ct);
                await output.WriteLineAsync($"wrote {text.Length} characters to {path}");
            }
            else
            {
                await output.WriteAsync(text);
            }
        }));
        yield return diagram;
    }

    private async Task Show(Session s)
    {
        await output.WriteLineAsync($"t={s.TimeMs:0.###} ms  step {s.Step}  {s.EventCount} events").ConfigureAwait(false);
        if (s.Problem.Length > 0)
        {
            await output.WriteLineAsync($"read-only: {s.Problem} (rewind or fork it to go on)").ConfigureAwait(false);
        }
        foreach (var (who, e) in new[] { ("client", s.Client), ("server", s.Server) })
        {
            await output.WriteLineAsync($"{who,-7} {e.Address}:{e.Port} {Name(e.State),-12} ISS={e.Iss} SND.UNA={e.SndUna} SND.NXT={e.SndNxt} SND.WND={e.SndWnd} RCV.NXT={e.RcvNxt} RCV.WND={e.RcvWnd}").ConfigureAwait(false);
        }
        if (s.Listener is { } l)
        {
            // What a SYN flood fills: the half-open entries (SYN_RECV), the accept queue, and what overflowed.
            var cookies = l.SynCookies ? $"on, {l.CookiesSent} sent" : "off";
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"listener :{l.Port} backlog {l.Backlog}: SYN queue {l.SynQueue}/{l.SynQueueLimit}{(l.SynQueue >= l.SynQueueLimit ? " (full)" : "")}, "
                + $"accept queue {l.AcceptQueue}/{l.AcceptQueueLimit}, SYN cookies {cookies}, dropped {l.SynQueueDrops} SYNs and {l.AcceptQueueDrops} ACKs")).ConfigureAwait(false);
        }
        // A flood puts hundreds on the wire: the earliest few, and how many more (all of them are in `events`).
        foreach (var f in s.InFlight.Take(ShownInFlight))
        {
            await output.WriteLineAsync($"in flight #{f.Segment.Id}: {f.Segment.Src} > {f.Segment.Dst} {Ladder.Label(f.Segment)} (arrives at {f.DeliverAtMs:0.###} ms)").ConfigureAwait(false);
        }
        if (s.InFlightCount > ShownInFlight)
        {
            await output.WriteLineAsync($"… and {s.InFlightCount - ShownInFlight} more in flight ({s.InFlightCount} in all)").ConfigureAwait(false);
        }
        foreach (var t in s.Timers.Take(ShownInFlight))
        {
            await output.WriteLineAsync($"timer {t.Kind} on {t.Endpoint} at {t.DueMs:0.###} ms").ConfigureAwait(false);
        }
        if (s.Timers.Count > ShownInFlight)
        {
            await output.WriteLineAsync($"… and {s.Timers.Count - ShownInFlight} more timers (one per half-open entry in a flood)").ConfigureAwait(false);
        }
    }
}
