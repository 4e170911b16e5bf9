using System.Collections.Concurrent;
using System.Text.Json;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Server.Persistence;
using Microsoft.Extensions.Options;

namespace ConnLab.Server.Sessions;

/// <summary>A command's outcome as every transport reports it: the new events and the session afterwards.</summary>
/// <param name="Host">The session.</param>
/// <param name="Events">The events the command produced, in index order.</param>
/// <param name="Snapshot">The session afterwards.</param>
/// <param name="Stop">Why a move stopped.</param>
public sealed record CommandOutcome(SessionHost Host, IReadOnlyList<LabEvent> Events, SessionSnapshot Snapshot, StopReason Stop);

/// <summary>A new session and the token that controls it.</summary>
/// <param name="Host">The session.</param>
/// <param name="Token">The bearer token (shown once).</param>
/// <param name="Snapshot">The session as created (after its scenario's setup).</param>
public sealed record CreatedSession(SessionHost Host, string Token, SessionSnapshot Snapshot);

/// <summary>
/// The one session service behind REST, gRPC and SignalR: creates, finds, serialises, persists and deletes
/// sessions, enforces tokens and quotas, and tells watchers what changed.
/// </summary>
public sealed partial class LabService
{
    private readonly ConcurrentDictionary<string, SessionHost> _sessions = new(StringComparer.Ordinal);
    private readonly TraceWriter _writer;
    private readonly TraceStore _store;
    private readonly LabOptions _options;
    private readonly LabMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger<LabService> _log;
    private long _nextKey;

    /// <summary>Creates the service.</summary>
    public LabService(TraceWriter writer, TraceStore store, IOptions<LabOptions> options, LabMetrics metrics, TimeProvider clock, ILogger<LabService> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        _writer = writer;
        _store = store;
        _options = options.Value;
        _metrics = metrics;
        _clock = clock;
        _log = log;
        metrics.ObserveSessions(() => _sessions.Values.Count(h => h.IsLoaded));
    }

    /// <summary>Raised after every committed change, under the session's gate, so watchers see changes in order.</summary>
    public event Action<SessionChange>? Changed;

    /// <summary>The options in force.</summary>
    public LabOptions Options => _options;

    // ---- creation and lookup ----------------------------------------------------------------------------------

    /// <summary>Creates a session (applying a scenario preset when named) for the client at <paramref name="owner"/>.</summary>
    public async Task<Result<CreatedSession>> CreateAsync(string? name, SessionConfig config, string? scenario, string owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (QuotaError(owner) is { } quota)
        {
            return quota; // before any work
        }
        Scenario? preset = null;
        if (scenario is not null && (preset = Scenarios.Find(scenario)) is null)
        {
            return new ServiceError(ServiceErrorKind.BadRequest,
                $"unknown scenario '{scenario}': use one of {string.Join(", ", Scenarios.All.Select(s => s.Name))}", Field: "scenario");
        }
        config = (preset?.ConfigureSession(config) ?? config) with { Limits = _options.ToLimits() };
        var error = LabSession.TryCreate(config, out var session);
        if (error is not null)
        {
            return ServiceError.From(error);
        }
        if (preset?.Apply(session!) is { } setupError)
        {
            return ServiceError.From(setupError);
        }
        return await AdoptAsync(string.IsNullOrWhiteSpace(name) ? preset?.Title ?? "session" : name.Trim(), session!, owner,
            preset?.Name ?? "-", ct).ConfigureAwait(false);
    }

    /// <summary>Sessions visible to a caller: its own, or all of them with the admin key.</summary>
    public IReadOnlyList<SessionHost> List(string owner, bool admin) =>
        _sessions.Values.Where(h => admin || h.Owner == owner).OrderBy(h => h.CreatedAt).ThenBy(h => h.Id, StringComparer.Ordinal).ToList();

    /// <summary>A live session's host, if the id is known.</summary>
    public SessionHost? Find(string id) => _sessions.TryGetValue(id, out var host) ? host : null;

    /// <summary>True if <paramref name="key"/> is the configured admin key.</summary>
    public bool IsAdmin(string? key) =>
        !string.IsNullOrEmpty(_options.AdminKey) && key is not null
        && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes(_options.AdminKey));

    /// <summary>Reads a session under its gate (no command runs meanwhile).</summary>
    public Task<Result<T>> ReadAsync<T>(string id, Func<SessionHost, T> read, CancellationToken ct) =>
        WithSessionAsync(id, token: null, requireToken: false, host => Task.FromResult<Result<T>>(read(host)), ct);

    /// <summary>A page of the trace.</summary>
    public Task<Result<(IReadOnlyList<LabEvent> Events, long Total)>> EventsAsync(string id, long from, int limit, CancellationToken ct) =>
        ReadAsync(id, host =>
        {
            var all = host.Session.Events;
            var start = (int)Math.Clamp(from, 0, all.Count);
            var count = Math.Clamp(limit, 0, all.Count - start);
            var page = new LabEvent[count];
            for (var i = 0; i < count; i++)
            {
                page[i] = all[start + i];
            }
            return ((IReadOnlyList<LabEvent>)page, (long)all.Count);
        }, ct);

    // ---- commands ---------------------------------------------------------------------------------------------

    /// <summary>Runs one command on a session: serialised, persisted (durably unless configured otherwise), announced.</summary>
    public Task<Result<CommandOutcome>> ExecuteAsync(string id, string? token, LabCommand command, CancellationToken ct) =>
        WithSessionAsync<CommandOutcome>(id, token, requireToken: true, host => RunCommandAsync(host, command), ct);

    private async Task<Result<CommandOutcome>> RunCommandAsync(SessionHost host, LabCommand command)
    {
        if (Damaged(host) is { } damaged)
        {
            return damaged;
        }
        var session = host.Session;
        var result = session.Execute(command);
        if (result.Error is not null)
        {
            return ServiceError.From(result.Error);
        }
        var commands = session.Commands.Skip(host.PersistedCommands).ToList();
        var write = _writer.Enqueue(new AppendOp(host.Key, host.PersistedCommands, commands, result.Events));
        if (_options.DurableWrites && await Persisted(write).ConfigureAwait(false) is { } failed)
        {
            RollBack(host);
            return failed;
        }
        host.PersistedCommands = session.Commands.Count;
        host.PersistedEvents = session.Events.Count;
        _metrics.CommandExecuted(result.Events.Count);
        var snapshot = session.Snapshot();
        Changed?.Invoke(new SessionChange(host.Id, result.Events, snapshot, SessionChangeKind.Appended));
        return new CommandOutcome(host, result.Events, snapshot, result.Stop);
    }

    /// <summary>
    /// A session whose replay differs from its stored trace takes no more commands: appending would number new events
    /// after the replay's, not after the stored rows they disagree with (two rows for one index, or a gap), and the
    /// stored trace stays as it is, the evidence of what went wrong.
    /// </summary>
    private static ServiceError? Damaged(SessionHost host) => host.Problem is { } problem
        ? new ServiceError(ServiceErrorKind.ReadOnly,
            $"session '{host.Id}' is read-only: {problem}. Fork it to go on from the replayed trace, or rewind it, which rewrites its stored trace from the replay")
        : null;

    /// <summary>Plays a session in real time at <paramref name="speed"/> (virtual ms per real ms), or stops with null or 0.</summary>
    public Task<Result<CommandOutcome>> SetLiveAsync(string id, string? token, double? speed, CancellationToken ct) =>
        WithSessionAsync<CommandOutcome>(id, token, requireToken: true, host =>
        {
            if (speed is < 0 or > 1000 || double.IsNaN(speed ?? 0))
            {
                return Task.FromResult<Result<CommandOutcome>>(new ServiceError(ServiceErrorKind.BadRequest, "speed must be 0–1000 (0 pauses)", Field: "speed"));
            }
            if (speed is > 0 && Damaged(host) is { } damaged)
            {
                return Task.FromResult<Result<CommandOutcome>>(damaged);
            }
            host.LiveSpeed = speed is null or 0 ? null : speed;
            return Task.FromResult<Result<CommandOutcome>>(new CommandOutcome(host, [], host.Session.Snapshot(), StopReason.Completed));
        }, ct);

    /// <summary>The sessions in live mode.</summary>
    internal IEnumerable<SessionHost> LiveSessions => _sessions.Values.Where(h => h.LiveSpeed is not null);

    /// <summary>Runs a command for the server itself (live mode), with the same serialisation, persistence and announcements.</summary>
    internal Task<Result<CommandOutcome>> ExecuteAsServerAsync(string id, LabCommand command, CancellationToken ct) =>
        WithSessionAsync<CommandOutcome>(id, token: null, requireToken: false, host => RunCommandAsync(host, command), ct);

    /// <summary>Rewinds a session to just after step <paramref name="toStep"/>, by replay; its stored log and trace are cut back to match.</summary>
    public Task<Result<CommandOutcome>> RewindAsync(string id, string? token, long toStep, CancellationToken ct) =>
        WithSessionAsync<CommandOutcome>(id, token, requireToken: true, async host =>
        {
            var error = host.Session.TryRewind(toStep, out var rewound);
            if (error is not null)
            {
                return ServiceError.From(error);
            }
            var write = _writer.Enqueue(new ReplaceOp(host.Key, rewound!.Commands.ToList(), rewound.Events.ToList()));
            if (_options.DurableWrites && await Persisted(write).ConfigureAwait(false) is { } failed)
            {
                return failed;
            }
            host.Session = rewound;
            host.PersistedCommands = rewound.Commands.Count;
            host.PersistedEvents = rewound.Events.Count;
            if (host.Problem is not null)
            {
                LogProblemRewritten(host.Id, host.Problem, toStep);
                host.Problem = null; // the store now holds exactly the replay
            }
            var snapshot = rewound.Snapshot();
            Changed?.Invoke(new SessionChange(host.Id, [], snapshot, SessionChangeKind.Rewound));
            return new CommandOutcome(host, [], snapshot, StopReason.Completed);
        }, ct);

    /// <summary>A new session equal to this one as it was after step <paramref name="atStep"/>, with its own token.</summary>
    public Task<Result<CreatedSession>> ForkAsync(string id, string? token, long atStep, string owner, CancellationToken ct) =>
        ForkCoreAsync(id, token, requireToken: true, atStep, newName: null, owner, ct);

    /// <summary>
    /// A fork for the server itself (a workshop sandbox): no token needed, at the source's current step when
    /// <paramref name="atStep"/> is null, named <paramref name="name"/>.
    /// </summary>
    internal Task<Result<CreatedSession>> ForkAsServerAsync(string id, long? atStep, string name, string owner, CancellationToken ct) =>
        ForkCoreAsync(id, token: null, requireToken: false, atStep, newName: name, owner, ct);

    private async Task<Result<CreatedSession>> ForkCoreAsync(string id, string? token, bool requireToken, long? at, string? newName, string owner,
        CancellationToken ct)
    {
        var atStep = 0L;
        var source = await WithSessionAsync(id, token, requireToken, host =>
        {
            atStep = at ?? host.Session.StepCount;
            if (atStep < 0 || atStep > host.Session.StepCount)
            {
                return Task.FromResult<Result<(SessionConfig, List<CommandRecord>, string)>>(ServiceError.From(
                    new LabError(LabErrorCode.StepOutOfRange, $"step must be 0–{host.Session.StepCount}, not {atStep}", "atStep")));
            }
            return Task.FromResult<Result<(SessionConfig, List<CommandRecord>, string)>>(
                (host.Session.Config, host.Session.Commands.ToList(), host.Name));
        }, ct).ConfigureAwait(false);
        if (source.Error is not null)
        {
            return source.Error;
        }
        var (config, commands, name) = source.Value;
        var error = LabSession.TryReplay(config, commands, atStep, out var forked);
        if (error is not null)
        {
            return ServiceError.From(error);
        }
        return await AdoptAsync(newName ?? $"{name} (fork at step {atStep})", forked!, owner, $"fork of {id}", ct).ConfigureAwait(false);
    }

    /// <summary>Deletes a session and its stored rows.</summary>
    public async Task<ServiceError?> DeleteAsync(string id, string? token, bool admin, CancellationToken ct)
    {
        var result = await WithSessionAsync(id, token, requireToken: !admin, async host =>
        {
            var write = _writer.Enqueue(new DeleteOp(host.Key));
            if (await Persisted(write).ConfigureAwait(false) is { } failed)
            {
                return failed;
            }
            host.Deleted = true;
            _sessions.TryRemove(host.Id, out _);
            Changed?.Invoke(new SessionChange(host.Id, [], null, SessionChangeKind.Deleted));
            return (Result<bool>)true;
        }, ct).ConfigureAwait(false);
        return result.Error;
    }

    // ---- internals --------------------------------------------------------------------------------------------

    /// <summary>Gives a built session an id and a token, stores it, and makes it live.</summary>
    private async Task<Result<CreatedSession>> AdoptAsync(string name, LabSession session, string owner, string origin, CancellationToken ct)
    {
        if (QuotaError(owner) is { } quota)
        {
            return quota;
        }
        var token = SessionToken.Create();
        var host = new SessionHost(SessionToken.NewId(), name, owner, SessionToken.Hash(token), _clock.GetUtcNow(), session)
        {
            Key = Interlocked.Increment(ref _nextKey),
        };
        var row = new SessionRow
        {
            Key = host.Key, Id = host.Id, Name = name, Owner = owner, TokenHash = host.TokenHash,
            ConfigJson = JsonSerializer.Serialize(session.Config, TraceStore.ConfigJson), CreatedAtMs = host.CreatedAt.ToUnixTimeMilliseconds(),
            EngineRevision = LabSession.EngineRevision,
        };
        var write = _writer.Enqueue(new CreateSessionOp(row, session.Commands.ToList(), session.Events.ToList()));
        if (_options.DurableWrites && await Persisted(write).ConfigureAwait(false) is { } failed)
        {
            return failed;
        }
        ct.ThrowIfCancellationRequested();
        host.PersistedCommands = session.Commands.Count;
        host.PersistedEvents = session.Events.Count;
        _sessions[host.Id] = host;
        LogCreated(host.Id, origin, owner);
        var snapshot = session.Snapshot();
        Changed?.Invoke(new SessionChange(host.Id, session.Events, snapshot, SessionChangeKind.Created));
        return new CreatedSession(host, token, snapshot);
    }

    private ServiceError? QuotaError(string owner) =>
        _sessions.Count >= _options.MaxSessions
            ? new ServiceError(ServiceErrorKind.Quota, $"the server holds its maximum of {_options.MaxSessions} sessions; delete one first")
            : _sessions.Values.Count(h => h.Owner == owner) >= _options.MaxSessionsPerClient
                ? new ServiceError(ServiceErrorKind.Quota, $"each client may hold {_options.MaxSessionsPerClient} sessions; delete one first")
                : null;

    private async Task<Result<T>> WithSessionAsync<T>(string id, string? token, bool requireToken, Func<SessionHost, Task<Result<T>>> action, CancellationToken ct)
    {
        if (!_sessions.TryGetValue(id, out var host))
        {
            return ServiceError.NotFound(id);
        }
        if (requireToken)
        {
            if (string.IsNullOrEmpty(token))
            {
                return new ServiceError(ServiceErrorKind.Unauthenticated,
                    "this call changes the session: send the token from its creation as 'Authorization: Bearer <token>'");
            }
            if (!SessionToken.Matches(token, host.TokenHash) && !IsAdmin(token))
            {
                return new ServiceError(ServiceErrorKind.Forbidden, $"that token does not control session '{id}'");
            }
            if (host.ReadOnlyFrom <= _clock.GetUtcNow() && !IsAdmin(token))
            {
                return new ServiceError(ServiceErrorKind.ReadOnly, $"session '{id}' is read-only: its workshop has closed (it can still be read and watched)");
            }
        }
        await host.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (host.Deleted)
            {
                return ServiceError.NotFound(id);
            }
            if (!host.IsLoaded)
            {
                await ReloadAsync(host, ct).ConfigureAwait(false);
            }
            host.LastUsed = _clock.GetUtcNow();
            return await action(host).ConfigureAwait(false);
        }
        finally
        {
            host.Gate.Release();
        }
    }

    /// <summary>Waits for a write; a store failure becomes a refusal (the caller rolls the session back).</summary>
    private static async Task<ServiceError?> Persisted(Task write)
    {
        try
        {
            await write.ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return StoreRefusal.From(ex);
        }
    }

    /// <summary>Puts a session back as its stored log describes it, after a write that did not commit.</summary>
    private static void RollBack(SessionHost host)
    {
        var log = host.Session.Commands.Take(host.PersistedCommands).ToList();
        if (LabSession.TryReplay(host.Session.Config, log, null, out var restored) is null)
        {
            host.Session = restored!;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} created ({Origin}) for {Owner}")]
    private partial void LogCreated(string sessionId, string origin, string owner);
}
