using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Export;

/// <summary>Writes a trace as a pcap file.</summary>
public static class PcapWriter
{
    /// <summary>The pcap bytes of every segment put on the wire.</summary>
    public static byte[] Write(IReadOnlyList<LabEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return [];
    }
}
