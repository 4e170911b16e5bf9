using System.Collections.Concurrent;
using System.Collections.Immutable;
using ConnLab.Server.Sessions;

namespace ConnLab.Server.Grpc;

/// <summary>
/// Routes committed changes to the WatchSession streams of their own session. One <see cref="LabService.Changed"/>
/// handler serves every stream: with a handler per stream, each change of any session called every stream's filter,
/// and each subscribe or unsubscribe copied the whole invocation list.
/// </summary>
public sealed class StreamWatchers
{
    private readonly ConcurrentDictionary<string, ImmutableArray<Action<SessionChange>>> _bySession = new(StringComparer.Ordinal);

    /// <summary>Subscribes to the session service.</summary>
    public StreamWatchers(LabService lab)
    {
        ArgumentNullException.ThrowIfNull(lab);
        lab.Changed += change =>
        {
            if (_bySession.TryGetValue(change.SessionId, out var streams))
            {
                foreach (var stream in streams)
                {
                    stream(change);
                }
            }
        };
    }

    /// <summary>How many streams watch the session.</summary>
    public int Count(string sessionId) => _bySession.TryGetValue(sessionId, out var streams) ? streams.Length : 0;

    /// <summary>
    /// Calls <paramref name="onChange"/> with each change of the session until the returned handle is disposed. Call it
    /// under the session's gate, so that no change falls between a replay's end and the subscription.
    /// </summary>
    public IDisposable Subscribe(string sessionId, Action<SessionChange> onChange)
    {
        _bySession.AddOrUpdate(sessionId, _ => [onChange], (_, streams) => streams.Add(onChange));
        return new Subscription(this, sessionId, onChange);
    }

    private void Unsubscribe(string sessionId, Action<SessionChange> onChange)
    {
        while (_bySession.TryGetValue(sessionId, out var streams))
        {
            var rest = streams.Remove(onChange);
            if (rest.IsEmpty
                    ? _bySession.TryRemove(new KeyValuePair<string, ImmutableArray<Action<SessionChange>>>(sessionId, streams))
                    : _bySession.TryUpdate(sessionId, rest, streams))
            {
                return;
            }
        }
    }

    private sealed class Subscription(StreamWatchers owner, string sessionId, Action<SessionChange> onChange) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(sessionId, onChange);
            }
        }
    }
}
