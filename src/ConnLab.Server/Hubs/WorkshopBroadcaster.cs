using System.Collections.Concurrent;
using ConnLab.Server.Workshops;
using Microsoft.AspNetCore.SignalR;

namespace ConnLab.Server.Hubs;

/// <summary>The SignalR groups of a workshop.</summary>
public static class WorkshopGroups
{
    /// <summary>Student pages (joined with <see cref="LabHub.JoinWorkshop"/>): follow-me and close.</summary>
    public static string Students(string workshopId) => $"workshop:{workshopId}";

    /// <summary>Instructor pages (joined with <see cref="LabHub.WatchWorkshop"/>): the live grid.</summary>
    public static string Grid(string workshopId) => $"workshop-grid:{workshopId}";
}

/// <summary>
/// Pushes workshop changes: follow-me and close at once to the students' group; the grid to the instructors' group at
/// most every <see cref="GridInterval"/> while students' sandboxes change (a class stepping at once is one push, not thirty).
/// </summary>
public sealed partial class WorkshopBroadcaster : BackgroundService
{
    /// <summary>Most often an instructor's grid is pushed.</summary>
    public static readonly TimeSpan GridInterval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<string, bool> _stale = new(StringComparer.Ordinal);
    private readonly WorkshopService _workshops;
    private readonly IHubContext<LabHub, ILabClient> _hub;
    private readonly ILogger<WorkshopBroadcaster> _log;

    /// <summary>Subscribes to the workshop service.</summary>
    public WorkshopBroadcaster(WorkshopService workshops, IHubContext<LabHub, ILabClient> hub, ILogger<WorkshopBroadcaster> log)
    {
        ArgumentNullException.ThrowIfNull(workshops);
        _workshops = workshops;
        _hub = hub;
        _log = log;
        workshops.Changed += OnChanged;
    }

    private void OnChanged(WorkshopChange change)
    {
        _stale[change.WorkshopId] = true;
        switch (change.Kind)
        {
            case WorkshopChangeKind.Follow:
                _ = Send(() => _hub.Clients.Group(WorkshopGroups.Students(change.WorkshopId)).WorkshopFollow(change.WorkshopId, change.FollowSessionId));
                break;
            case WorkshopChangeKind.Closed:
                _ = Send(() => _hub.Clients.Group(WorkshopGroups.Students(change.WorkshopId)).WorkshopClosed(change.WorkshopId));
                break;
        }
    }

    private async Task Send(Func<Task> send)
    {
        try
        {
            await send().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            LogSendFailed(_log, ex);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(GridInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var expired in _workshops.TakeExpired())
                {
                    OnChanged(new WorkshopChange(expired, WorkshopChangeKind.Closed));
                }
                foreach (var id in _stale.Keys)
                {
                    _stale.TryRemove(id, out _);
                    if (await _workshops.GridAsync(id, stoppingToken).ConfigureAwait(false) is { } grid)
                    {
                        await Send(() => _hub.Clients.Group(WorkshopGroups.Grid(id)).WorkshopGrid(grid)).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A workshop push failed")]
    private static partial void LogSendFailed(ILogger log, Exception ex);
}
