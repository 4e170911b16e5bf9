using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Bench;

/// <summary>Retained memory of many idle established pairs (each a session with its handshake trace).</summary>
internal static class MemoryFootprint
{
    public static long Run(int pairs)
    {
        var before = Settle();
        var sessions = new LabSession[pairs];
        for (var i = 0; i < pairs; i++)
        {
            sessions[i] = Workloads.Established((ulong)i + 1);
        }
        var after = Settle();
        GC.KeepAlive(sessions);
        var bytes = after - before;
        Console.WriteLine($"{pairs} idle established pairs: {bytes / 1048576.0:0.0} MB retained, {bytes / pairs} bytes per pair " +
            $"({sessions[0].Events.Count} events each)");
        return bytes;
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
