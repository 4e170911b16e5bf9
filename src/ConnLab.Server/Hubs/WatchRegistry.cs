using System.Collections.Concurrent;

namespace ConnLab.Server.Hubs;

/// <summary>
/// Which sessions have SignalR watchers, so the broadcaster builds messages only for those (rendering every event's
/// explanation and a snapshot for a session nobody watches would double the cost of each command).
/// </summary>
public sealed class WatchRegistry
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byConnection = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _watchers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>True if any connection watches the session.</summary>
    public bool IsWatched(string sessionId) => _watchers.TryGetValue(sessionId, out var n) && n > 0;

    internal void Watch(string connectionId, string sessionId)
    {
        lock (_gate)
        {
            if (_byConnection.GetOrAdd(connectionId, _ => new(StringComparer.Ordinal)).TryAdd(sessionId, 0))
            {
                _watchers.AddOrUpdate(sessionId, 1, (_, n) => n + 1);
            }
        }
    }

    internal void Unwatch(string connectionId, string sessionId)
    {
        lock (_gate)
        {
            if (_byConnection.TryGetValue(connectionId, out var sessions) && sessions.TryRemove(sessionId, out _))
            {
                Release(sessionId);
            }
        }
    }

    internal void Disconnected(string connectionId)
    {
        lock (_gate)
        {
            if (_byConnection.TryRemove(connectionId, out var sessions))
            {
                foreach (var sessionId in sessions.Keys)
                {
                    Release(sessionId);
                }
            }
        }
    }

    private void Release(string sessionId)
    {
        if (_watchers.AddOrUpdate(sessionId, 0, (_, n) => n - 1) <= 0)
        {
            _watchers.TryRemove(sessionId, out _);
        }
    }
}
