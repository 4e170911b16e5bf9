using System.Globalization;
using ConnLab.Contracts.V1;

namespace ConnLab.Cli;

/// <summary>
/// Draws a session's events as the textbook ladder: the client's column on the left, the server's on the right,
/// each segment an arrow in the direction it travels, state changes under their endpoint.
/// </summary>
public static class Ladder
{
    private const int Width = 56;

    /// <summary>The header line.</summary>
    public static string Header => $"{"time ms",10}  {"client",-8}{new string(' ', Width - 14)}{"server",8}";

    /// <summary>The line for one event, or null for events the ladder does not show (timers, user calls, …).</summary>
    public static string? Line(SessionEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var time = e.TimeMs.ToString("0.###", CultureInfo.InvariantCulture).PadLeft(10);
        switch (e.Kind)
        {
            case "segment-sent" or "segment-duplicated" when e.Segment is { } s:
                var label = Label(s) + (e.Kind == "segment-duplicated" ? " (dup)" : s.Origin == "retransmission" ? " (rexmit)" : "");
                var fromClient = e.Endpoint == "client";
                return $"{time}  {Arrow(label, fromClient)}";
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

    /// <summary>Every line of a run of events.</summary>
    public static IEnumerable<string> Lines(IEnumerable<SessionEvent> events) =>
        events.Select(Line).Where(l => l is not null).Select(l => l!);

    /// <summary>A segment as textbooks label it: <c>SYN,ACK seq=5000 ack=1001 win=65535 len=0</c>.</summary>
    public static string Label(Segment s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var flags = string.Join(",", s.Flags.Select(f => f.ToString().ToUpperInvariant()));
        var ack = s.Flags.Contains(TcpFlag.Ack) ? $" ack={s.Ack}" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{flags} seq={s.Seq}{ack} win={s.Window} len={s.Len}");
    }

    private static string Arrow(string label, bool toRight)
    {
        var body = Math.Max(label.Length + 4, Width);
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
    public static string Name(TcpState state) => state.ToString() switch
    {
        "Unspecified" => "?",
        var n => string.Concat(n.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant()
            .Replace("WAIT1", "WAIT_1", StringComparison.Ordinal).Replace("WAIT2", "WAIT_2", StringComparison.Ordinal),
    };
}
