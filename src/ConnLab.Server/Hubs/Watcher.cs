using ConnLab.Server.Api;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace ConnLab.Server.Hubs;

/// <summary>One committed change of a session, built once and serialised once for all of its watchers.</summary>
internal sealed class Broadcast
{
    private Broadcast(SessionEventsMessage? events, SessionView? rewound, string sessionId, SerializedHubMessage message, long seq)
    {
        Events = events;
        Rewound = rewound;
        SessionId = sessionId;
        Message = message;
        Seq = seq;
    }

    public SessionEventsMessage? Events { get; }
    public SessionView? Rewound { get; }
    public string SessionId { get; }
    public SerializedHubMessage Message { get; }
    public bool Deleted => Events is null && Rewound is null;

    /// <summary>The <see cref="Sessions.SessionChange.Seq"/> of the last change this message carries.</summary>
    public long Seq { get; }

    public static Broadcast Appended(SessionEventsMessage events, long seq) =>
        new(events, null, events.SessionId, Invocation(nameof(ILabClient.SessionEvents), events), seq);
    public static Broadcast Rewind(SessionView session, long seq) => new(null, session, session.Id, Invocation(nameof(ILabClient.SessionRewound), session), seq);
    public static Broadcast Delete(string sessionId, long seq) => new(null, null, sessionId, Invocation(nameof(ILabClient.SessionDeleted), sessionId), seq);

    public static SerializedHubMessage Invocation(string target, params object?[] args) => new(new InvocationMessage(target, args));
}

/// <summary>
/// One connection's watch of one session: a bounded outbox written to the connection by a single sender, in order.
/// A watcher that falls more than <c>WatchBuffer</c> events behind, or whose oldest unsent batch has waited longer than
/// <c>WatchMaxLagMs</c>, is cut off with <c>SessionLagged</c> and the index to resume from, so a client that stops
/// reading costs a bounded amount of memory and never delays the session or the other watchers, and one that cannot
/// keep up catches up in one Watch answer instead of working through seconds of queued batches.
/// </summary>
internal sealed class Watcher(HubConnectionContext connection, string sessionId, long nextIndex, long since, int limit, int maxLagMs,
    Action<Watcher> cutOff)
{
    private readonly Queue<(SerializedHubMessage Message, int Events, long NextAfter, long QueuedAt)> _outbox = new();
    private readonly Lock _gate = new();
    private long _nextIndex = nextIndex;   // the index of the next event to enqueue
    private long _deliveredTo = nextIndex; // the index after the last event handed to the connection
    private int _pending;
    private bool _sending;
    private bool _held = true;
    private long _releasedAt = long.MaxValue; // batches queued while held wait for the Watch answer, not for the client
    private bool _ended;

    public string ConnectionId => connection.ConnectionId;
    public string SessionId => sessionId;

    /// <summary>Starts sending; until then changes only queue (so the Watch answer goes out first).</summary>
    public void Release()
    {
        lock (_gate)
        {
            _held = false;
            _releasedAt = Environment.TickCount64;
        }
        Pump();
    }

    /// <summary>Stops the watcher; anything queued is dropped.</summary>
    public void End()
    {
        lock (_gate)
        {
            _ended = true;
            _outbox.Clear();
            _pending = 0;
        }
    }

    /// <summary>
    /// Queues a change, skipping what the watcher already has: changes announced before it was taken (by
    /// <c>since</c>: after a rewind an index alone would take a stale change of the old trace for a new
    /// one) and, in a batch that straddles its Watch answer, the events that answer carried.
    /// </summary>
    public void Offer(Broadcast change)
    {
        if (change.Seq <= since)
        {
            return;
        }
        bool lagged;
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }
            lagged = change switch
            {
                { Events: { } batch } => Queue(change.Message, batch),
                { Rewound: { } session } => Control(change.Message, session.EventCount),
                _ => Control(change.Message, _nextIndex, last: true),
            };
        }
        if (lagged)
        {
            cutOff(this);
        }
        Pump();
    }

    private bool Control(SerializedHubMessage message, long nextIndex, bool last = false)
    {
        _nextIndex = nextIndex;
        _outbox.Enqueue((message, 0, nextIndex, Environment.TickCount64));
        _ended |= last;
        return false;
    }

    /// <summary>Queues a batch of events; true if that puts the watcher over its limit (it is then cut off).</summary>
    private bool Queue(SerializedHubMessage message, SessionEventsMessage batch)
    {
        var events = batch.Events;
        if (events.Count == 0)
        {
            return Control(message, _nextIndex); // a held-back snapshot on its own
        }
        if (events[^1].Index < _nextIndex)
        {
            return false;
        }
        if (events[0].Index < _nextIndex)
        {
            // Only right after Watch: the batch straddles the answer's snapshot; send this watcher the rest.
            var from = _nextIndex;
            batch = batch with { Events = events.Where(e => e.Index >= from).ToList() };
            message = Broadcast.Invocation(nameof(ILabClient.SessionEvents), batch);
        }
        _nextIndex = events[^1].Index + 1;
        var now = Environment.TickCount64;
        if (_pending + batch.Events.Count > limit || TooLate(now))
        {
            CutOff();
            return true;
        }
        _pending += batch.Events.Count;
        _outbox.Enqueue((message, batch.Events.Count, _nextIndex, now));
        return false;
    }

    /// <summary>True when the oldest unsent message has waited for the connection longer than the lag bound.</summary>
    private bool TooLate(long now) =>
        maxLagMs > 0 && _outbox.TryPeek(out var oldest) && now - Math.Max(oldest.QueuedAt, _releasedAt) > maxLagMs;

    private void CutOff()
    {
        // Everything not yet handed to the connection is dropped; the client watches again from there. A rewind among
        // the dropped moves that point back to where the trace restarted: resuming past it would append the new trace's
        // later events to the old trace's earlier ones, with nothing to tell them apart.
        var resumeFrom = _deliveredTo;
        foreach (var queued in _outbox)
        {
            resumeFrom = Math.Min(resumeFrom, queued.NextAfter);
        }
        _outbox.Clear();
        _pending = 0;
        _ended = true;
        _outbox.Enqueue((Broadcast.Invocation(nameof(ILabClient.SessionLagged), sessionId, resumeFrom), 0, resumeFrom, Environment.TickCount64));
    }

    private void Pump()
    {
        lock (_gate)
        {
            if (_sending || _held || _outbox.Count == 0)
            {
                return;
            }
            _sending = true;
        }
        _ = SendAsync();
    }

    private async Task SendAsync()
    {
        while (true)
        {
            SerializedHubMessage message;
            lock (_gate)
            {
                if (!_outbox.TryDequeue(out var item))
                {
                    _sending = false;
                    return;
                }
                _pending -= item.Events;
                _deliveredTo = item.NextAfter;
                message = item.Message;
            }
            try
            {
                await connection.WriteAsync(message).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The connection is going away (or the write failed for good): this watch ends rather than stalling with
                // _sending stuck; OnDisconnected removes it, and a client still there resumes by watching again.
                End();
                lock (_gate)
                {
                    _sending = false;
                }
                return;
            }
        }
    }
}
