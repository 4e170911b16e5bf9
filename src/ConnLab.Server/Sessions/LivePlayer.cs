using System.Diagnostics;
using ConnLab.Engine.Lab;

namespace ConnLab.Server.Sessions;

/// <summary>
/// Live mode for projector dashboards: ten times a second, every playing session's virtual clock advances by the
/// real time elapsed times its speed (an <c>advance</c> command, logged and persisted like any other, so replay and
/// watchers see exactly what the room saw).
/// </summary>
internal sealed partial class LivePlayer(LabService lab, ILogger<LivePlayer> log) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await PlayAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping. Without this, a host that failed to start (its port taken) and is disposed without being stopped
            // logs this as a critical background-service failure.
        }
    }

    private async Task PlayAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        var last = Stopwatch.GetTimestamp();
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var elapsedMs = Stopwatch.GetElapsedTime(last).TotalMilliseconds;
            last = Stopwatch.GetTimestamp();
            foreach (var host in lab.LiveSessions.ToList())
            {
                if (host.LiveSpeed is not { } speed)
                {
                    continue;
                }
                var result = await lab.ExecuteAsServerAsync(host.Id, new AdvanceCommand(Math.Round(elapsedMs * speed, 3)), stoppingToken).ConfigureAwait(false);
                if (result.Error is not null)
                {
                    host.LiveSpeed = null; // e.g. the trace is full: stop playing rather than retry ten times a second
                    LogStopped(host.Id, result.Error.Message);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live mode of session {SessionId} stopped: {Reason}")]
    private partial void LogStopped(string sessionId, string reason);
}
