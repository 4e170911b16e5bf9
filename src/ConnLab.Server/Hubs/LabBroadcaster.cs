using System.Threading.Channels;
using ConnLab.Server.Api;
using ConnLab.Server.Sessions;
using Microsoft.AspNetCore.SignalR;

namespace ConnLab.Server.Hubs;

/// <summary>
/// Pushes committed changes to each session's SignalR group, in commit order, coalescing what queued up meanwhile
/// into one message per session (a busy session sends fewer, larger batches instead of a backlog of small ones).
/// </summary>
public sealed class LabBroadcaster : BackgroundService
{
    private readonly Channel<SessionChange> _changes = Channel.CreateUnbounded<SessionChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly LabService _lab;
    private readonly IHubContext<LabHub, ILabClient> _hub;
    private readonly WatchRegistry _watchers;

    /// <summary>Subscribes to the session service.</summary>
    public LabBroadcaster(LabService lab, IHubContext<LabHub, ILabClient> hub, WatchRegistry watchers)
    {
        ArgumentNullException.ThrowIfNull(lab);
        _lab = lab;
        _hub = hub;
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
                await SendAsync(group.Key, group.ToList()).ConfigureAwait(false);
            }
        }
    }

    private async Task SendAsync(string sessionId, List<SessionChange> changes)
    {
        var clients = _hub.Clients.Group(LabHub.Group(sessionId));
        var events = new List<EventView>();
        SessionChange? last = null;
        foreach (var change in changes)
        {
            switch (change.Kind)
            {
                case SessionChangeKind.Deleted:
                    await clients.SessionDeleted(sessionId).ConfigureAwait(false);
                    return;
                case SessionChangeKind.Rewound:
                    await Flush().ConfigureAwait(false);
                    var host = _lab.Find(sessionId);
                    if (host is not null && change.Snapshot is not null)
                    {
                        await clients.SessionRewound(SessionView.From(host, change.Snapshot)).ConfigureAwait(false);
                    }
                    break;
                default:
                    events.AddRange(change.Events.Select(EventView.Of));
                    last = change;
                    break;
            }
        }
        await Flush().ConfigureAwait(false);

        async Task Flush()
        {
            if (events.Count == 0 || last?.Snapshot is null)
            {
                return;
            }
            var host = _lab.Find(sessionId);
            if (host is not null)
            {
                await clients.SessionEvents(new SessionEventsMessage(sessionId, events.ToList(), SessionView.From(host, last.Snapshot))).ConfigureAwait(false);
            }
            events.Clear();
        }
    }
}
