using System.Globalization;
using ConnLab.Contracts.Mapping;
using ConnLab.Contracts.V1;
using ConnLab.Engine.Tcp;
using TcpState = ConnLab.Contracts.V1.TcpState;
using Segment = ConnLab.Contracts.V1.Segment;

namespace ConnLab.Cli;

/// <summary>
/// Draws a session's events as the textbook ladder: the client's column on the left, the server's on the right,
/// each segment an arrow in the direction it travels, state changes under their endpoint.
/// </summary>
public static class Ladder
{
    // Wide enough for the longest common label (a SYN,ACK with 10-digit numbers and its MSS) inside an 80-column
    // terminal with the time column; a longer label (a retransmission's) stretches its arrow past the server's column.
    private const int Width = 66;

    /// <summary>The header line.</summary>
    public static string Header => $"{"time ms",10}  {"client",-8}{new string(' ', Width - 14)}{"server",8}";

    /// <summary>The line for one event, or null for events the ladder does not show (timers, user calls, …).</summary>
    /// <param name="e">The event.</param>
    /// <param name="server">
    /// The server's <c>address:port</c>: a segment addressed to it is drawn towards the server's column and any other
    /// towards the client's (a flood's SYNs, a segment injected "from" either side, SYN,ACKs to spoofed hosts). Without
    /// it, what the server's side sends goes left and everything else right.
    /// </param>
    public static string? Line(SessionEvent e, string? server = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        var time = e.TimeMs.ToString("0.###", CultureInfo.InvariantCulture).PadLeft(10);
        switch (e.Kind)
        {
            case "segment-sent" or "segment-duplicated" when e.Segment is { } s:
                // Injected: a flood's or a crafted segment, drawn from the client's side but not the client's.
                var label = Label(s) + (e.Kind == "segment-duplicated" ? " (dup)" : s.Origin switch
                {
                    "retransmission" => " (rexmit)",
                    "injected" => " (injected)",
                    "window-probe" => " (probe)",
                    _ => "",
                });
                var toServer = server is null ? !e.Endpoint.StartsWith("server", StringComparison.Ordinal) : s.Dst == server;
                return $"{time}  {Arrow(label, toServer)}";
            case "segment-dropped" when e.Segment is { } s:
                return $"{time}  {Center($"✗ lost: {Label(s)}")}";
            case "state-changed" when e.Endpoint is "client" or "server":
                var change = $"{Name(e.From)} → {Name(e.To)}";
                return e.Endpoint == "client"
                    ? $"{time}  [{change}]"
                    : $"{time}  {new string(' ', Math.Max(0, Width - change.Length - 2))}[{change}]";
            default:
                return null;
        }
    }

    /// <summary>Every line of a run of events (<paramref name="server"/> as for <see cref="Line"/>).</summary>
    public static IEnumerable<string> Lines(IEnumerable<SessionEvent> events, string? server = null) =>
        events.Select(e => Line(e, server)).Where(l => l is not null).Select(l => l!);

    /// <summary>The server's <c>address:port</c> in a session, as segments name it.</summary>
    public static string Server(Session session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return string.Create(CultureInfo.InvariantCulture, $"{session.Server.Address}:{session.Server.Port}");
    }

    /// <summary>
    /// A segment as textbooks, the dashboard and the Mermaid export label it:
    /// <c>SYN,ACK seq=5000 ack=1001 win=65535 len=0 mss=1460</c> (flags as people say them, not in header order).
    /// </summary>
    public static string Label(Segment s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var flags = ContractMapping.ToEngine(s.Flags) is { } bits ? TcpFlagNames.ToLabel(bits) : "?";
        var ack = s.Flags.Contains(TcpFlag.Ack) ? $" ack={s.Ack}" : "";
        var mss = s.Mss != 0 ? $" mss={s.Mss}" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{flags} seq={s.Seq}{ack} win={s.Window} len={s.Len}{mss}");
    }

    private static string Arrow(string label, bool toRight)
    {
        var body = Math.Max(label.Length + 6, Width); // at least two dashes either side, so the arrow still reads as one
        var pad = body - label.Length - 2;
        var left = pad / 2;
        var right = pad - left;
        return toRight
            ? $"{new string('-', left)} {label} {new string('-', right - 1)}>"
            : $"<{new string('-', left - 1)} {label} {new string('-', right)}";
    }

    private static string Center(string text)
    {
        var pad = Math.Max(0, (Width - text.Length) / 2);
        return new string(' ', pad) + text;
    }

    /// <summary>The contract's name of a state, e.g. <c>SYN_RECEIVED</c>.</summary>
    public static string Name(TcpState state) => state.ToEngine()?.ToName() ?? "?";
}
