using System.Globalization;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Lab;

/// <summary>
/// The one line a student reads under each event: what happened, why, and which RFC section (or Linux function)
/// decided it. Texts live in tools/rules.py; this half holds the helpers they use.
/// </summary>
public static partial class Explanations
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The explanation of an event, ending with its reference in parentheses.</summary>
    public static string Render(LabEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return $"{Text(e)} ({ReferenceOf(e.Rule)})";
    }

    /// <summary>The RFC section or Linux source behind a rule, e.g. <c>RFC 9293 §3.10.7.2</c>.</summary>
    public static string ReferenceOf(Rule rule) => (uint)rule < (uint)References.Length ? References[(int)rule] : "";

    /// <summary>The rule's contract name, kebab-case (<c>listen-syn-received</c>).</summary>
    public static string NameOf(Rule rule) => (uint)rule < (uint)Names.Length ? Names[(int)rule] : rule.ToString();

    /// <summary>Every rule's contract name, in enum order.</summary>
    public static IReadOnlyList<string> AllNames => Names;

    private static SegmentSummary Seg(LabEvent e) => new(e.Segment);

    private static string Timer(LabEvent e) => e.Timer?.ToName() ?? "";

    private static string Due(LabEvent e) => $"{(e.DueUs / 1000.0).ToString("0.###", Inv)} ms";

    private static string DurationMs(long us) => (us / 1000.0).ToString("0.###", Inv);
}
