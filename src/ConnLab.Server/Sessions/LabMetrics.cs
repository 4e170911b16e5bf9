using System.Diagnostics.Metrics;

namespace ConnLab.Server.Sessions;

/// <summary>ConnLab's metrics (meter <c>ConnLab</c>): served for Prometheus at <c>/metrics</c> (<see cref="LabOptions.MetricsPath"/>), or see them with <c>dotnet-counters monitor -n ConnLab.Server --counters ConnLab</c>.</summary>
public sealed class LabMetrics : IDisposable
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "ConnLab";

    private readonly Meter _meter;
    private readonly Counter<long> _commands;
    private readonly Counter<long> _events;
    private readonly Counter<long> _rows;
    private readonly Histogram<double> _batchMs;
    private readonly Counter<long> _folded;
    private readonly Histogram<double> _foldMs;
    private Func<int> _sessions = static () => 0;
    private Func<int> _queueDepth = static () => 0;

    // A commit takes tens of microseconds and a fold chunk a few milliseconds: the default buckets (5 ms up to 10 s)
    // would put every commit in the first one.
    private static readonly InstrumentAdvice<double> Buckets = new()
    {
        HistogramBucketBoundaries = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000],
    };

    /// <summary>Creates the instruments.</summary>
    public LabMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _commands = _meter.CreateCounter<long>("connlab.commands", "{command}", "Commands executed");
        _events = _meter.CreateCounter<long>("connlab.events", "{event}", "Events recorded");
        _rows = _meter.CreateCounter<long>("connlab.store.rows", "{row}", "Rows committed to the trace store");
        _batchMs = _meter.CreateHistogram("connlab.store.batch.duration", "ms", "Time to commit one batch", tags: null, Buckets);
        _folded = _meter.CreateCounter<long>("connlab.store.folded", "{row}", "Journal rows folded into the session-ordered tables");
        _foldMs = _meter.CreateHistogram("connlab.store.fold.duration", "ms", "Time to fold one chunk of the journal", tags: null, Buckets);
        _meter.CreateObservableGauge("connlab.sessions.active", () => _sessions(), "{session}", "Sessions in memory");
        _meter.CreateObservableGauge("connlab.store.queue", () => _queueDepth(), "{write}", "Writes waiting for the trace store");
    }

    internal void ObserveSessions(Func<int> count) => _sessions = count;
    internal void ObserveQueueDepth(Func<int> depth) => _queueDepth = depth;

    internal void CommandExecuted(int events)
    {
        _commands.Add(1);
        _events.Add(events);
    }

    internal void BatchCommitted(int writes, int rows, TimeSpan elapsed)
    {
        _rows.Add(rows);
        _batchMs.Record(elapsed.TotalMilliseconds);
        _ = writes;
    }

    internal void JournalFolded(long rows, TimeSpan elapsed)
    {
        _folded.Add(rows);
        _foldMs.Record(elapsed.TotalMilliseconds);
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
