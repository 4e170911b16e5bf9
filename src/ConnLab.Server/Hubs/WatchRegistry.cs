using System.Collections.Concurrent;
using System.Collections.Immutable;
using ConnLab.Server.Sessions;
using Microsoft.AspNetCore.SignalR;

namespace ConnLab.Server.Hubs;

/// <summary>
/// Who watches which session over SignalR. The broadcaster builds messages only for watched sessions (rendering every
/// event's explanation and a snapshot for a session nobody watches would double the cost of each command), and hands
/// each one to every watcher's own outbox instead of a group send, which would wait for the slowest connection.
/// </summary>
public sealed class WatchRegistry(LabService lab)
{
    private readonly ConcurrentDictionary<string, ImmutableArray<Watcher>> _bySession = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Watcher>> _byConnection = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>True if any connection watches the session.</summary>
    public bool IsWatched(string sessionId) => _bySession.ContainsKey(sessionId);

    /// <summary>How many connections watch the session.</summary>
    public int Count(string sessionId) => _bySession.TryGetValue(sessionId, out var w) ? w.Length : 0;

    /// <summary>
    /// Adds (or replaces) the connection's watch of a session, held until <see cref="Watcher.Release"/>; null when the
    /// connection already watches as many sessions as it may.
    /// </summary>
    internal Watcher? Watch(HubConnectionContext connection, string sessionId, long nextIndex, long since)
    {
        lock (_gate)
        {
            var mine = _byConnection.GetValueOrDefault(connection.ConnectionId) ?? [];
            if (mine.Find(w => w.SessionId == sessionId) is { } old)
            {
                old.End();
                Remove(old);
            }
            else if (mine.Count >= lab.Options.MaxWatchesPerConnection)
            {
                return null;
            }
            var watcher = new Watcher(connection, sessionId, nextIndex, since, Math.Max(1, lab.Options.WatchBuffer), Math.Max(0, lab.Options.WatchMaxLagMs), w =>
            {
                lock (_gate)
                {
                    Remove(w);
                }
            });
            mine.Add(watcher);
            _byConnection[connection.ConnectionId] = mine; // Remove(old) may have dropped an emptied list
            _bySession[sessionId] = _bySession.GetValueOrDefault(sessionId, []).Add(watcher);
            return watcher;
        }
    }

    internal void Unwatch(string connectionId, string sessionId)
    {
        lock (_gate)
        {
            if (_byConnection.TryGetValue(connectionId, out var mine) && mine.Find(w => w.SessionId == sessionId) is { } watcher)
            {
                watcher.End();
                Remove(watcher);
            }
        }
    }

    internal void Disconnected(string connectionId)
    {
        lock (_gate)
        {
            if (_byConnection.TryGetValue(connectionId, out var mine))
            {
                foreach (var watcher in mine.ToList())
                {
                    watcher.End();
                    Remove(watcher);
                }
            }
        }
    }

    /// <summary>Queues a change for every watcher of its session; never waits for any of them.</summary>
    internal void Publish(Broadcast change)
    {
        if (!_bySession.TryGetValue(change.SessionId, out var watchers))
        {
            return;
        }
        foreach (var watcher in watchers)
        {
            watcher.Offer(change);
        }
        if (change.Deleted)
        {
            lock (_gate)
            {
                foreach (var watcher in watchers)
                {
                    Remove(watcher);
                }
            }
        }
    }

    private void Remove(Watcher watcher)
    {
        if (_byConnection.TryGetValue(watcher.ConnectionId, out var mine))
        {
            mine.Remove(watcher);
            if (mine.Count == 0)
            {
                _byConnection.Remove(watcher.ConnectionId);
            }
        }
        if (_bySession.TryGetValue(watcher.SessionId, out var all))
        {
            var left = all.Remove(watcher);
            if (left.IsEmpty)
            {
                _bySession.TryRemove(watcher.SessionId, out _);
            }
            else
            {
                _bySession[watcher.SessionId] = left;
            }
        }
    }
}
