using System.Globalization;
using System.Text;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Net;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Export;

/// <summary>
/// The trace as a Mermaid <c>sequenceDiagram</c>: the ladder diagram of the textbooks, which renders on GitHub, in
/// GitLab, Notion and most docs tools. Each segment is an arrow from its sender, drawn when it was sent; state
/// changes of the two endpoints are notes over them; timer expiries that resend something are notes too.
/// </summary>
/// <remarks>
/// Arrows: <c>-&gt;&gt;</c> delivered, <c>-x</c> lost on the link or dropped on purpose, <c>-)</c> still in flight.
/// Hosts other than the pair's two (spoofed SYN-flood sources) share one participant. A flood would give an unreadable
/// picture, so after <see cref="MaxSegments"/> arrows the rest is summarised in one note.
/// </remarks>
public static class MermaidExport
{
    /// <summary>The most segment arrows one diagram draws.</summary>
    public const int MaxSegments = 500;

    /// <summary>Renders the segments and state changes of <paramref name="events"/> as a <c>sequenceDiagram</c>.</summary>
    /// <param name="events">The trace (or a part of it).</param>
    /// <param name="client">The client endpoint's address and port.</param>
    /// <param name="server">The server endpoint's address and port.</param>
    public static string Render(IReadOnlyList<LabEvent> events, IpPort client, IpPort server)
    {
        ArgumentNullException.ThrowIfNull(events);
        var hosts = Hosts.Find(events, client, server);
        var fate = Fates(events);
        var text = new StringBuilder("sequenceDiagram\n");
        text.Append(CultureInfo.InvariantCulture, $"    participant C as client {hosts.Client}\n");
        text.Append(CultureInfo.InvariantCulture, $"    participant S as server {hosts.Server}\n");
        if (hosts.HasOthers)
        {
            text.Append("    participant X as other hosts\n");
        }

        var drawn = 0;
        var skipped = 0;
        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case EventKind.SegmentSent or EventKind.SegmentDuplicated when e.Segment is { } s:
                    if (drawn == MaxSegments)
                    {
                        skipped++;
                        break;
                    }
                    drawn++;
                    var arrow = fate.TryGetValue(s.Id, out var f) ? f : "-)";
                    text.Append(CultureInfo.InvariantCulture,
                        $"    {hosts.Of(s.Source)}{arrow}{hosts.Of(s.Destination)}: {Time(e)} {Label(s)}\n");
                    break;
                case EventKind.StateChanged when drawn < MaxSegments && e.Endpoint is "client" or "server":
                    text.Append(CultureInfo.InvariantCulture,
                        $"    Note over {(e.Endpoint == "client" ? "C" : "S")}: {e.From?.ToName()} → {e.To?.ToName()}\n");
                    break;
                case EventKind.TimerFired when drawn < MaxSegments && e.Timer is TimerKind.Retransmission or TimerKind.Persist
                                                && e.Endpoint is "client" or "server":
                    text.Append(CultureInfo.InvariantCulture,
                        $"    Note over {(e.Endpoint == "client" ? "C" : "S")}: {Time(e)} {e.Timer?.ToName()} timer fired\n");
                    break;
                default:
                    break;
            }
        }
        if (skipped > 0)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"    Note over C,S: … {skipped} more segments (the whole capture is in trace.pcap)\n");
        }
        return text.ToString();
    }

    private static string Time(LabEvent e) =>
        string.Create(CultureInfo.InvariantCulture, $"[{e.TimeUs / 1000.0:0.###} ms]");

    private static string Label(Segment s)
    {
        var label = s.Describe();
        if (s.Mss != 0)
        {
            label += string.Create(CultureInfo.InvariantCulture, $" mss={s.Mss}");
        }
        return s.Origin switch
        {
            SegmentOrigin.Retransmission => label + " (retransmission)",
            SegmentOrigin.Duplicate => label + " (duplicate)",
            SegmentOrigin.WindowProbe => label + " (window probe)",
            SegmentOrigin.Injected => label + " (injected)",
            _ => label,
        };
    }

    /// <summary>How each segment's story ended: delivered or lost; segments with neither are still in flight.</summary>
    private static Dictionary<long, string> Fates(IReadOnlyList<LabEvent> events)
    {
        var fate = new Dictionary<long, string>();
        foreach (var e in events)
        {
            if (e.Segment is { } s && e.Kind is EventKind.SegmentDelivered or EventKind.SegmentDropped)
            {
                fate[s.Id] = e.Kind == EventKind.SegmentDelivered ? "->>" : "-x";
            }
        }
        return fate;
    }

    /// <summary>The pair's two endpoints, and whether any other host (a spoofed source) appears.</summary>
    private sealed class Hosts
    {
        public IpPort Client { get; private init; }
        public IpPort Server { get; private init; }
        public bool HasOthers { get; private set; }

        public static Hosts Find(IReadOnlyList<LabEvent> events, IpPort client, IpPort server)
        {
            var hosts = new Hosts { Client = client, Server = server };
            foreach (var e in events)
            {
                if (e.Kind == EventKind.SegmentSent && e.Segment is { } s && (hosts.Of(s.Source) == "X" || hosts.Of(s.Destination) == "X"))
                {
                    hosts.HasOthers = true;
                    break;
                }
            }
            return hosts;
        }

        public string Of(IpPort endpoint) => endpoint == Client ? "C" : endpoint == Server ? "S" : "X";
    }
}
