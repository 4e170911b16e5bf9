namespace ConnLab.Server.Load;

/// <summary>
/// The process's allocation, collections and GC pause time over a measured window: with the load tool in another
/// process, these are the server's own. A request's allocation decides how often gen-0 collections stop it.
/// </summary>
internal readonly record struct GcWindow(long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Paused)
{
    public static GcWindow Start() => Now();

    private static GcWindow Now() =>
        new(GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    /// <summary>The window from <see cref="Start"/> to now.</summary>
    public GcWindow Summary()
    {
        var now = Now();
        return new(now.Allocated - Allocated, now.Gen0 - Gen0, now.Gen1 - Gen1, now.Gen2 - Gen2, now.Paused - Paused);
    }

    // Seen on 2026-12-01 with server GC's dynamic heap count (DATAS, on by default): the process's allocation count read
    // lower at the end of a window than at its start, or barely moved over 10 s of load. Such a window says so instead
    // of printing a negative or near-zero figure.
    public string PerRequest(long requests) =>
        (Allocated > 0 ? $"{Allocated / (double)Math.Max(1, requests) / 1024:0.0} KiB allocated per request" : "allocation not measured (the runtime's count went back)")
        + $"; GCs gen0 {Gen0}, gen1 {Gen1}, gen2 {Gen2}, paused {Paused.TotalMilliseconds:N0} ms";
}
