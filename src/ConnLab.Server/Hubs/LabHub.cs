using ConnLab.Engine.Lab;
using ConnLab.Server.Api;
using ConnLab.Server.Sessions;
using Microsoft.AspNetCore.SignalR;

namespace ConnLab.Server.Hubs;

/// <summary>What the server calls on dashboard clients.</summary>
public interface ILabClient
{
    /// <summary>
    /// New events of a watched session (batched, in index order; segments without payload octets, which REST
    /// <c>/events</c> carries) and the session afterwards. The snapshot comes at most
    /// every 50 ms (null in between), and on its own (no events) when the session has gone quiet since the last one.
    /// </summary>
    Task SessionEvents(SessionEventsMessage message);

    /// <summary>The session was deleted.</summary>
    Task SessionDeleted(string sessionId);

    /// <summary>The session was rewound: its trace restarts; watch again from <c>session.eventCount</c>.</summary>
    Task SessionRewound(SessionView session);

    /// <summary>
    /// This connection fell more than <c>ConnLab:WatchBuffer</c> events, or <c>ConnLab:WatchMaxLagMs</c> milliseconds,
    /// behind and no longer watches the session: nothing from <paramref name="resumeFrom"/> on was sent. Call
    /// <c>Watch(sessionId, resumeFrom)</c> to catch up: its answer carries everything since, up to the present.
    /// </summary>
    Task SessionLagged(string sessionId, long resumeFrom);

    /// <summary>
    /// Follow-me in a workshop this connection joined (<see cref="LabHub.JoinWorkshop"/>): show
    /// <paramref name="sessionId"/> read-only, or go back to your own session when it is null.
    /// </summary>
    Task WorkshopFollow(string workshopId, string? sessionId);

    /// <summary>The workshop closed: its code no longer works, and your sandbox is read-only from now on.</summary>
    Task WorkshopClosed(string workshopId);

    /// <summary>The instructor's grid (<see cref="LabHub.WatchWorkshop"/>) changed: a student joined or a sandbox moved.</summary>
    Task WorkshopGrid(Workshops.WorkshopGrid grid);
}

/// <summary>A batch of a session's events.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Events">Events in index order.</param>
/// <param name="Session">The session after the last of them, or null when held back (see <see cref="ILabClient.SessionEvents"/>).</param>
public sealed record SessionEventsMessage(string SessionId, IReadOnlyList<EventView> Events, SessionView? Session);

/// <summary>The answer to <see cref="LabHub.Watch"/>: the session now and every event from the asked index.</summary>
/// <param name="Session">The snapshot.</param>
/// <param name="Events">Events from the asked index up to the snapshot.</param>
/// <param name="NextIndex">The index the next pushed event will have; ignore pushed events below it.</param>
public sealed record WatchAnswer(SessionView Session, IReadOnlyList<EventView> Events, long NextIndex)
{
    /// <summary>
    /// The session's snapshot and its events from <paramref name="fromIndex"/>, read together under the session's gate,
    /// where <paramref name="underGate"/> also runs (a watch subscribes there, so no change falls between). Events are
    /// immutable, so their views (without payload octets) are built after the gate is released.
    /// </summary>
    internal static async Task<Result<WatchAnswer>> ReadAsync(LabService lab, string sessionId, long fromIndex, Action<SessionSnapshot>? underGate,
        CancellationToken ct)
    {
        var read = await lab.ReadAsync(sessionId, h =>
        {
            var snapshot = h.Session.Snapshot();
            underGate?.Invoke(snapshot);
            var all = h.Session.Events;
            var events = new LabEvent[all.Count - (int)Math.Min(fromIndex, all.Count)];
            for (var i = 0; i < events.Length; i++)
            {
                events[i] = all[all.Count - events.Length + i];
            }
            return (View: SessionView.From(h, snapshot), Events: events, Next: snapshot.EventCount);
        }, ct).ConfigureAwait(false);
        if (read.Error is not null)
        {
            return read.Error;
        }
        var (view, events, next) = read.Value;
        return new WatchAnswer(view, Array.ConvertAll(events, e => EventView.Of(e, payload: false)), next);
    }
}

/// <summary>
/// The live hub for dashboards (<c>/hubs/lab</c>). A watch is a subscription kept by <see cref="WatchRegistry"/>; the
/// <see cref="LabBroadcaster"/> pushes every committed change to it, whoever drove the change (REST, gRPC, live mode).
/// </summary>
public sealed class LabHub(LabService lab, WatchRegistry watchers, LabHubLifetimeManager connections, Workshops.WorkshopService workshops)
    : Hub<ILabClient>
{
    /// <summary>
    /// A student page joins the open workshop with this code: it then receives <c>WorkshopFollow</c> and
    /// <c>WorkshopClosed</c>. Returns the workshop and whom follow-me shows now. Call it again after a reconnect.
    /// </summary>
    public async Task<Workshops.WorkshopPresence> JoinWorkshop(string code)
    {
        var presence = workshops.Presence(code);
        if (presence.Error is not null)
        {
            throw new HubException(presence.Error.Message);
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, WorkshopGroups.Students(presence.Value!.WorkshopId), Context.ConnectionAborted).ConfigureAwait(false);
        return presence.Value;
    }

    /// <summary>Stops receiving a workshop's follow-me and close.</summary>
    public Task LeaveWorkshop(string workshopId) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, WorkshopGroups.Students(workshopId), Context.ConnectionAborted);

    /// <summary>
    /// An instructor page watches its workshop's grid (with the instructor key): returns it now, then the server pushes
    /// <c>WorkshopGrid</c> whenever a student joins or a sandbox changes. Call it again after a reconnect.
    /// </summary>
    public async Task<Workshops.WorkshopGrid> WatchWorkshop(string workshopId, string instructorKey)
    {
        if (workshops.Check(workshopId, instructorKey) is { } error)
        {
            throw new HubException(error.Message);
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, WorkshopGroups.Grid(workshopId), Context.ConnectionAborted).ConfigureAwait(false);
        return await workshops.GridAsync(workshopId, Context.ConnectionAborted).ConfigureAwait(false)
            ?? throw new HubException($"workshop '{workshopId}' does not exist");
    }

    /// <summary>
    /// Watches a session: returns its snapshot with the events from <paramref name="fromIndex"/>, then pushes every
    /// later event, starting at <see cref="WatchAnswer.NextIndex"/>, with no gap and no duplicate. The subscription is
    /// taken under the session's gate together with the snapshot, so no change can fall between them. A reconnecting
    /// client calls Watch again with its last index + 1. Pushes are held until just after the answer is sent; a client
    /// should still apply batches by index (skip what it has, hold a batch that starts beyond what it has).
    /// </summary>
    public async Task<WatchAnswer> Watch(string sessionId, long fromIndex)
    {
        if (fromIndex < 0)
        {
            throw new HubException("fromIndex must not be negative");
        }
        var connection = connections.Connection(Context.ConnectionId) ?? throw new HubException("the connection is closing");
        Watcher? watcher = null;
        var answer = await WatchAnswer.ReadAsync(lab, sessionId, fromIndex, snapshot => watcher = watchers.Watch(connection, sessionId, snapshot.EventCount, SessionChange.Latest),
            Context.ConnectionAborted).ConfigureAwait(false);
        if (answer.Error is not null)
        {
            throw new HubException(answer.Error.Message);
        }
        if (watcher is null)
        {
            throw new HubException($"a connection may watch at most {lab.Options.MaxWatchesPerConnection} sessions at once; unwatch one first");
        }
        _ = ReleaseAfterAnswerAsync(watcher);
        return answer.Value!;
    }

    /// <summary>Stops watching the session.</summary>
    public Task Unwatch(string sessionId)
    {
        watchers.Unwatch(Context.ConnectionId, sessionId);
        return Task.CompletedTask;
    }

    private static async Task ReleaseAfterAnswerAsync(Watcher watcher)
    {
        // SignalR writes the answer as soon as Watch returns; holding pushes a moment longer keeps them behind it.
        await Task.Delay(1).ConfigureAwait(false);
        watcher.Release();
    }
}
