using System.Collections.Concurrent;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Server.Persistence;

namespace ConnLab.Server.Sessions;

public sealed partial class LabService
{
    /// <summary>
    /// Registers every stored session at start-up, not yet in memory, exactly as an evicted one: the first request for
    /// it replays it from its command log under its gate (<see cref="WithSessionAsync{T}"/>), so it is never missing or
    /// half-built. The replays themselves run after the server answers (<see cref="PreloadRestoredAsync"/>): a restart
    /// with many long sessions no longer waits for all of them before its first answer.
    /// </summary>
    public async Task RestoreAsync(CancellationToken ct)
    {
        var rows = await _store.ListAsync(ct).ConfigureAwait(false);
        _nextKey = Math.Max(_nextKey, await _store.MaxKeyAsync(ct).ConfigureAwait(false));
        foreach (var row in rows)
        {
            var host = new SessionHost(row.Id, row.Name, row.Owner, row.TokenHash,
                DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAtMs), null!) { Key = row.Key };
            host.Evict();
            _sessions[host.Id] = host;
            _toPreload.Enqueue((host, row));
        }
        LogRegistered(rows.Count);
    }

    /// <summary>
    /// Replays the sessions <see cref="RestoreAsync"/> registered that no request has loaded (or deleted) meanwhile,
    /// one at a time under each one's gate, and checks each replay against the stored trace event by event. A mismatch
    /// is logged as an error and the session marked, never silently fixed.
    /// </summary>
    public async Task PreloadRestoredAsync(CancellationToken ct)
    {
        var loaded = 0;
        while (_toPreload.TryDequeue(out var next))
        {
            var (host, row) = next;
            await host.Gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (!host.Deleted && !host.IsLoaded)
                {
                    await LoadIntoAsync(host, row, ct).ConfigureAwait(false);
                    loaded++;
                }
            }
            finally
            {
                host.Gate.Release();
            }
        }
        LogRestored(loaded);
    }

    private readonly ConcurrentQueue<(SessionHost Host, SessionRow Row)> _toPreload = new();

    /// <summary>Drops sessions idle longer than the TTL from memory; they reload from the store on their next use.</summary>
    public async Task<int> EvictIdleAsync(CancellationToken ct)
    {
        var cutoff = _clock.GetUtcNow() - TimeSpan.FromMinutes(_options.IdleTtlMinutes);
        var evicted = 0;
        foreach (var host in _sessions.Values.Where(h => h.IsLoaded && h.LastUsed < cutoff && h.LiveSpeed is null).ToList())
        {
            await host.Gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (host.IsLoaded && host.LastUsed < cutoff && host.PersistedEvents == host.Session.Events.Count)
                {
                    host.Evict();
                    evicted++;
                }
            }
            finally
            {
                host.Gate.Release();
            }
        }
        if (evicted > 0)
        {
            LogEvicted(evicted);
        }
        return evicted;
    }

    private async Task ReloadAsync(SessionHost host, CancellationToken ct)
    {
        var row = await _store.FindAsync(host.Key, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"session {host.Id} is missing from the store");
        await LoadIntoAsync(host, row, ct).ConfigureAwait(false);
    }

    private async Task LoadIntoAsync(SessionHost host, SessionRow row, CancellationToken ct)
    {
        var stored = await _store.LoadAsync(row, ct).ConfigureAwait(false);
        var error = LabSession.TryReplay(stored!.Config, stored.Commands, null, out var session);
        if (error is not null)
        {
            // The log itself does not replay: keep what can be rebuilt (nothing) and say so loudly.
            LabSession.TryCreate(stored.Config, out session);
            host.Problem = $"the command log does not replay: {error.Message}";
            LogReplayMismatch(host.Id, host.Problem);
        }
        else if (FirstDifference(session!.Events, stored.Events) is { } index)
        {
            host.Problem = $"the replayed trace differs from the stored one at event {index}" + (row.EngineRevision < LabSession.EngineRevision
                ? $": engine revision {row.EngineRevision} recorded or last verified it, and this server's engine (revision {LabSession.EngineRevision}) has corrections since"
                : "");
            LogReplayMismatch(host.Id, host.Problem);
        }
        else if (row.EngineRevision < LabSession.EngineRevision)
        {
            // Not awaited: the session is served from memory either way, and a failed update only leaves the older
            // number (the writer logs it).
            _ = _writer.Enqueue(new VerifiedOp(row.Key));
        }
        host.Session = session!;
        host.PersistedCommands = session!.Commands.Count;
        host.PersistedEvents = session.Events.Count;
        host.LastUsed = _clock.GetUtcNow();
    }

    /// <summary>The first event where a replay differs from the stored trace, each stored row checked in its own digest version.</summary>
    internal static long? FirstDifference(IReadOnlyList<LabEvent> replayed, IReadOnlyList<byte[]> stored)
    {
        var n = Math.Min(replayed.Count, stored.Count);
        for (var i = 0; i < n; i++)
        {
            var version = stored[i].Length > 0 ? stored[i][0] : (byte)0;
            if (!EventCodec.IsDigestVersion(version) || !EventCodec.EncodeDigest(replayed[i], version).AsSpan().SequenceEqual(stored[i]))
            {
                return i;
            }
        }
        return replayed.Count == stored.Count ? null : n;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Count} sessions from the trace store (each replays on its first use, or in the background)")]
    private partial void LogRegistered(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Count} restored sessions in the background")]
    private partial void LogRestored(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evicted {Count} idle sessions from memory")]
    private partial void LogEvicted(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId} did not restore faithfully: {Problem}")]
    private partial void LogReplayMismatch(string sessionId, string problem);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Session {SessionId} was rewound to step {ToStep}: its stored log and trace, which did not restore faithfully ({Problem}), are replaced by the replay")]
    private partial void LogProblemRewritten(string sessionId, string problem, long toStep);
}
