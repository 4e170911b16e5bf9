using ConnLab.Server.Api;
using ConnLab.Server.Sessions;
using Microsoft.AspNetCore.SignalR;

namespace ConnLab.Server.Hubs;

/// <summary>What the server calls on dashboard clients.</summary>
public interface ILabClient
{
    /// <summary>New events of a watched session (batched, in index order) and the session afterwards.</summary>
    Task SessionEvents(SessionEventsMessage message);

    /// <summary>The session was deleted.</summary>
    Task SessionDeleted(string sessionId);

    /// <summary>The session was rewound: its trace restarts; watch again from <c>session.eventCount</c>.</summary>
    Task SessionRewound(SessionView session);
}

/// <summary>A batch of a session's events.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Events">Events in index order.</param>
/// <param name="Session">The session after the last of them.</param>
public sealed record SessionEventsMessage(string SessionId, IReadOnlyList<EventView> Events, SessionView? Session);

/// <summary>The answer to <see cref="LabHub.Watch"/>: the session now and every event from the asked index.</summary>
/// <param name="Session">The snapshot.</param>
/// <param name="Events">Events from the asked index up to the snapshot.</param>
/// <param name="NextIndex">The index the next pushed event will have; ignore pushed events below it.</param>
public sealed record WatchAnswer(SessionView Session, IReadOnlyList<EventView> Events, long NextIndex);

/// <summary>
/// The live hub for dashboards (<c>/hubs/lab</c>). It holds no state: group membership is the subscription, and
/// <see cref="LabBroadcaster"/> pushes every committed change to the session's group, whoever drove it.
/// </summary>
public sealed class LabHub(LabService lab, WatchRegistry watchers) : Hub<ILabClient>
{
    /// <summary>The group of a session's watchers.</summary>
    public static string Group(string sessionId) => $"session:{sessionId}";

    /// <summary>
    /// Joins the session's group and returns its snapshot with the events from <paramref name="fromIndex"/>. Joining and
    /// reading happen under the session's gate, so no committed event falls between them; a reconnecting client
    /// calls Watch again with its last index + 1 and continues without a gap.
    /// </summary>
    public async Task<WatchAnswer> Watch(string sessionId, long fromIndex)
    {
        if (fromIndex < 0)
        {
            throw new HubException("fromIndex must not be negative");
        }
        var answer = await lab.ReadAsync(sessionId, h =>
        {
            var snapshot = h.Session.Snapshot();
            var events = h.Session.Events;
            var from = (int)Math.Min(fromIndex, events.Count);
            return (snapshot, events.Skip(from).Select(EventView.Of).ToList(), h);
        }, Context.ConnectionAborted).ConfigureAwait(false);
        if (answer.Error is not null)
        {
            throw new HubException(answer.Error.Message);
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(sessionId), Context.ConnectionAborted).ConfigureAwait(false);
        watchers.Watch(Context.ConnectionId, sessionId);
        var (snapshot, backlog, host) = answer.Value;
        return new WatchAnswer(SessionView.From(host, snapshot), backlog, snapshot.EventCount);
    }

    /// <summary>Leaves the session's group.</summary>
    public Task Unwatch(string sessionId)
    {
        watchers.Unwatch(Context.ConnectionId, sessionId);
        return Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(sessionId));
    }

    /// <inheritdoc />
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        watchers.Disconnected(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
