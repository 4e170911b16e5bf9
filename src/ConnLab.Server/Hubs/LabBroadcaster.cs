using System.Collections.Concurrent;
using ConnLab.Engine.Lab;
using ConnLab.Server.Api;
using ConnLab.Server.Sessions;

namespace ConnLab.Server.Hubs;

/// <summary>
/// Turns committed changes into SignalR messages for each watched session, in commit order, coalescing what queued up
/// meanwhile into one message per session (a busy session sends fewer, larger batches instead of a backlog of small
/// ones). Each message is built and serialised once and queued to every watcher's own bounded outbox
/// (<see cref="Watcher"/>), so a slow watcher never delays the others. The session snapshot, the bulk of a message,
/// rides along at most every <see cref="SnapshotInterval"/>; a session that goes quiet gets its last one within an
/// interval, so dashboards always settle on the exact final state. It runs on a thread of its own: on a busy server a
/// thread-pool hop between a commit and its broadcast waits behind every queued request and connection callback.
/// </summary>
public sealed class LabBroadcaster : BackgroundService
{
    /// <summary>Most often a session's snapshot rides along with its events; in between, batches carry events only.</summary>
    public static readonly TimeSpan SnapshotInterval = TimeSpan.FromMilliseconds(50);

    // Null is a clock tick: time to send the snapshots held back by SnapshotInterval. Each item releases _queued once.
    private readonly ConcurrentQueue<SessionChange?> _changes = new();
    private readonly SemaphoreSlim _queued = new(0);
    private readonly Dictionary<string, (long SentAt, SessionSnapshot? Held, long HeldSeq)> _snapshots = new(StringComparer.Ordinal);
    private volatile int _snapshotsHeld; // read by the clock, so it ticks only while a snapshot waits
    private readonly LabService _lab;
    private readonly WatchRegistry _watchers;

    /// <summary>Subscribes to the session service.</summary>
    public LabBroadcaster(LabService lab, WatchRegistry watchers)
    {
        ArgumentNullException.ThrowIfNull(lab);
        _lab = lab;
        _watchers = watchers;
        lab.Changed += change =>
        {
            if (_watchers.IsWatched(change.SessionId))
            {
                Enqueue(change);
            }
        };
    }

    private void Enqueue(SessionChange? change)
    {
        _changes.Enqueue(change);
        _queued.Release(); // wakes the broadcaster's thread directly (no thread-pool work item)
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = TickAsync(stoppingToken);
        return Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Run(CancellationToken stoppingToken)
    {
        var batch = new List<SessionChange>();
        while (true)
        {
            try
            {
                _queued.Wait(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            batch.Clear();
            var tick = false;
            // The first item is the one this wait was released for; any more taken here leave their releases behind,
            // and those waits find the queue already empty.
            while (batch.Count < 1000 && _changes.TryDequeue(out var change))
            {
                if (change is null)
                {
                    tick = true;
                }
                else
                {
                    batch.Add(change);
                }
            }
            foreach (var group in batch.GroupBy(c => c.SessionId))
            {
                Publish(group.Key, group.ToList());
            }
            if (tick)
            {
                SendHeldSnapshots();
            }
        }
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SnapshotInterval / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (_snapshotsHeld > 0)
                {
                    Enqueue(null);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
    }

    /// <summary>The trailing edge: a session that went quiet gets its latest snapshot within one interval.</summary>
    private void SendHeldSnapshots()
    {
        var now = Environment.TickCount64;
        foreach (var (sessionId, (sentAt, held, heldSeq)) in _snapshots.ToList())
        {
            if (held is null)
            {
                if (now - sentAt > 60_000)
                {
                    _snapshots.Remove(sessionId); // forget sessions long quiet
                }
                continue;
            }
            if (now - sentAt < SnapshotInterval.TotalMilliseconds)
            {
                continue;
            }
            _snapshots[sessionId] = (now, null, 0);
            if (_lab.Find(sessionId) is { } host)
            {
                _watchers.Publish(Broadcast.Appended(new SessionEventsMessage(sessionId, [], SessionView.From(host, held)), heldSeq));
            }
        }
        _snapshotsHeld = _snapshots.Values.Count(v => v.Held is not null);
    }

    /// <summary>The snapshot to send with a batch now, or null to hold it back (the tick sends the latest one).</summary>
    private SessionView? SnapshotFor(SessionHost host, SessionSnapshot snapshot, long seq)
    {
        var now = Environment.TickCount64;
        if (_snapshots.TryGetValue(host.Id, out var last) && now - last.SentAt < SnapshotInterval.TotalMilliseconds)
        {
            _snapshots[host.Id] = (last.SentAt, snapshot, seq);
            _snapshotsHeld = 1;
            return null;
        }
        _snapshots[host.Id] = (now, null, 0);
        return SessionView.From(host, snapshot);
    }

    private void Publish(string sessionId, List<SessionChange> changes)
    {
        var events = new List<EventView>();
        SessionChange? last = null;
        foreach (var change in changes)
        {
            switch (change.Kind)
            {
                case SessionChangeKind.Deleted:
                    Flush();
                    _snapshots.Remove(sessionId);
                    _watchers.Publish(Broadcast.Delete(sessionId, change.Seq));
                    return;
                case SessionChangeKind.Rewound:
                    Flush();
                    var host = _lab.Find(sessionId);
                    if (host is not null && change.Snapshot is not null)
                    {
                        _snapshots[sessionId] = (Environment.TickCount64, null, 0);
                        _watchers.Publish(Broadcast.Rewind(SessionView.From(host, change.Snapshot), change.Seq));
                    }
                    break;
                default:
                    events.AddRange(change.Events.Select(e => EventView.Of(e, payload: false)));
                    last = change;
                    break;
            }
        }
        Flush();

        void Flush()
        {
            if (events.Count == 0 || last?.Snapshot is null)
            {
                return;
            }
            var host = _lab.Find(sessionId);
            if (host is not null)
            {
                _watchers.Publish(Broadcast.Appended(new SessionEventsMessage(sessionId, events.ToList(), SnapshotFor(host, last.Snapshot, last.Seq)), last.Seq));
            }
            events.Clear();
        }
    }
}
