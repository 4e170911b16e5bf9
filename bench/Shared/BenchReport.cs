namespace ConnLab.Bench;

/// <summary>
/// One row per figure for <c>bench/run</c>'s report: appended to the markdown file named by
/// <c>CONNLAB_BENCH_REPORT</c> (and printed), so every harness adds to the same table.
/// </summary>
internal static class BenchReport
{
    private static readonly Lock Gate = new();

    /// <param name="figure">What was measured.</param>
    /// <param name="value">The measured value with its unit.</param>
    /// <param name="target">The target, or "—".</param>
    /// <param name="ratio">The value against its baseline measured in the same run, or "—".</param>
    /// <param name="met">Whether the target is met (null when there is none).</param>
    public static void Add(string figure, string value, string target = "—", string ratio = "—", bool? met = null)
    {
        var row = $"| {figure} | {value} | {target} | {ratio} | {(met is null ? "—" : met.Value ? "yes" : "**no**")} |";
        Console.WriteLine(row);
        if (Environment.GetEnvironmentVariable("CONNLAB_BENCH_REPORT") is { Length: > 0 } path)
        {
            lock (Gate)
            {
                File.AppendAllText(path, row + Environment.NewLine);
            }
        }
    }
}
