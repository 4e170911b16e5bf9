using System.Globalization;
using ConnLab.Contracts.V1;

namespace ConnLab.Cli;

/// <summary>The trace as text, one event per line with its explanation under it (<c>connlab events</c>).</summary>
public static class TraceText
{
    /// <summary>The lines of one event: index, time, endpoint, kind and what it carries; then, if asked, why it happened.</summary>
    public static IEnumerable<string> Lines(SessionEvent e, bool explain)
    {
        ArgumentNullException.ThrowIfNull(e);
        var head = string.Create(CultureInfo.InvariantCulture, $"#{e.Index,-5} {e.TimeMs,10:0.###} ms  {e.Endpoint,-8} {e.Kind,-22} {Detail(e)}");
        yield return head.TrimEnd();
        if (explain && e.Explanation.Length > 0)
        {
            yield return $"{"",8}{e.Explanation}";
        }
    }

    private static string Detail(SessionEvent e) => e switch
    {
        { Segment: { } s } => $"#{s.Id} {s.Src} > {s.Dst} {Ladder.Label(s)}{Origin(s.Origin)}",
        { From: not TcpState.Unspecified } or { To: not TcpState.Unspecified } => $"{Ladder.Name(e.From)} → {Ladder.Name(e.To)}",
        { Kind: "timer-armed" } => string.Create(CultureInfo.InvariantCulture, $"{e.Timer} timer, due at {e.DueMs:0.###} ms"),
        { Timer.Length: > 0 } => $"{e.Timer} timer",
        _ => "",
    };

    private static string Origin(string origin) => origin is "" or "original" ? "" : $" ({origin})";
}
