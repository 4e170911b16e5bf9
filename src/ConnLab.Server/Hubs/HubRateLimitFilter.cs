using System.Globalization;
using System.Threading.RateLimiting;
using ConnLab.Server.Api;
using ConnLab.Server.Sessions;
using Microsoft.AspNetCore.SignalR;

namespace ConnLab.Server.Hubs;

/// <summary>
/// Holds hub calls (Watch, JoinWorkshop, …) to <c>ConnLab:RequestsPerMinutePerClient</c> per client, as REST and gRPC
/// are: the HTTP rate limiter sees a WebSocket once, at its upgrade, and never the calls that follow on it. A refused
/// call fails with a <see cref="HubException"/> that says when to retry; the connection stays open.
/// </summary>
public sealed class HubRateLimitFilter : IHubFilter, IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly int _perMinute;

    /// <summary>One fixed one-minute window per client address.</summary>
    public HubRateLimitFilter(LabService lab)
    {
        ArgumentNullException.ThrowIfNull(lab);
        _perMinute = Math.Max(1, lab.Options.RequestsPerMinutePerClient);
        _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(client, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = _perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <inheritdoc />
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        var http = invocationContext.Context.GetHttpContext();
        using var lease = _limiter.AttemptAcquire(http is null ? invocationContext.Context.ConnectionId : SessionsApi.Client(http.Request));
        if (!lease.IsAcquired)
        {
            var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? (int)Math.Ceiling(after.TotalSeconds) : Problems.RetryAfterSeconds;
            throw new HubException(string.Create(CultureInfo.InvariantCulture,
                $"rate-limited: at most {_perMinute} calls per minute per client; retry in {retry} s"));
        }
        return await next(invocationContext).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _limiter.Dispose();
}
