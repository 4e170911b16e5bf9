using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Export;

/// <summary>A <c>netstat -tan</c>-style listing of every socket on both hosts.</summary>
public static class NetstatView
{
    /// <summary>Renders the snapshot's sockets as <c>netstat -tan</c> prints them (Linux state names).</summary>
    public static string Render(SessionSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return string.Empty;
    }
}
