using System.Threading.Channels;
using ConnLab.Server.Api;
using ConnLab.Server.Sessions;

namespace ConnLab.Server.Hubs;

/// <summary>
/// Turns committed changes into SignalR messages for each watched session, in commit order, coalescing what queued up
/// meanwhile into one message per session (a busy session sends fewer, larger batches instead of a backlog of small
/// ones). Each message is built and serialised once and queued to every watcher's own bounded outbox
/// (<see cref="Watcher"/>), so a slow watcher never delays the others.
/// </summary>
public sealed class LabBroadcaster : BackgroundService
{
    private readonly Channel<SessionChange> _changes = Channel.CreateUnbounded<SessionChange>(new UnboundedChannelOptions { SingleReader = true });
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
                _changes.Writer.TryWrite(change);
            }
        };
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<SessionChange>();
        while (await _changes.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 1000 && _changes.Reader.TryRead(out var change))
            {
                batch.Add(change);
            }
            foreach (var group in batch.GroupBy(c => c.SessionId))
            {
                Publish(group.Key, group.ToList());
            }
        }
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
                    _watchers.Publish(Broadcast.Delete(sessionId));
                    return;
                case SessionChangeKind.Rewound:
                    Flush();
                    var host = _lab.Find(sessionId);
                    if (host is not null && change.Snapshot is not null)
                    {
                        _watchers.Publish(Broadcast.Rewind(SessionView.From(host, change.Snapshot)));
                    }
                    break;
                default:
                    events.AddRange(change.Events.Select(EventView.Of));
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
                _watchers.Publish(Broadcast.Appended(new SessionEventsMessage(sessionId, events.ToList(), SessionView.From(host, last.Snapshot))));
            }
            events.Clear();
        }
    }
}
