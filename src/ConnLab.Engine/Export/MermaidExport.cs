using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Export;

/// <summary>The trace as a Mermaid sequence diagram (a ladder diagram that renders on GitHub and in docs).</summary>
public static class MermaidExport
{
    /// <summary>Renders the segments and state changes of <paramref name="events"/> as a <c>sequenceDiagram</c>.</summary>
    public static string Render(IReadOnlyList<LabEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return string.Empty;
    }
}
