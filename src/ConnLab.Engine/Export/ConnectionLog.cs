using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Export;

/// <summary>Zeek-style connection summaries, kept up to date incrementally from the trace.</summary>
internal sealed class ConnectionLog
{
    public static IReadOnlyList<ConnectionSummary> Update(IReadOnlyList<LabEvent> events)
    {
        _ = events;
        return [];
    }
}
