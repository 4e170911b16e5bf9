using System.Diagnostics.Metrics;
using ConnLab.Server.Sessions;

namespace ConnLab.Server.Load;

/// <summary>
/// The trace writer's commit and fold-chunk durations during a measured window, from the server's own histograms
/// (meter <c>ConnLab</c>): where a durable call's tail latency comes from.
/// </summary>
internal sealed class StoreProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Latencies _commits = new();
    private readonly Latencies _folds = new();

    public StoreProbe()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == LabMetrics.MeterName && instrument.Name is "connlab.store.batch.duration" or "connlab.store.fold.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, ms, _, _) =>
            (instrument.Name == "connlab.store.batch.duration" ? _commits : _folds).Add(ms));
        _listener.Start();
    }

    /// <summary>One line: commits and fold chunks with their p50, p99 and worst durations.</summary>
    public string Summary() =>
        $"store: {_commits.Count:N0} commits, p50 {_commits.Percentile(50):0.00} ms, p99 {_commits.Percentile(99):0.00} ms, max {_commits.Percentile(100):0.0} ms; " +
        $"{_folds.Count:N0} fold chunks, p50 {_folds.Percentile(50):0.00} ms, p99 {_folds.Percentile(99):0.00} ms, max {_folds.Percentile(100):0.0} ms";

    public void Dispose() => _listener.Dispose();
}
