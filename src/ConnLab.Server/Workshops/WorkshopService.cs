using System.Collections.Concurrent;
using System.Security.Cryptography;
using ConnLab.Engine.Lab;
using ConnLab.Server.Api;
using ConnLab.Server.Persistence;
using ConnLab.Server.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ConnLab.Server.Workshops;

/// <summary>
/// Workshops: an instructor's template session, a join code, and one sandbox (a fork of the template) per student.
/// Kept in memory and in the SQLite store (tables <c>Workshops</c> and <c>WorkshopStudents</c>), so a restart keeps
/// them; the sandboxes themselves are ordinary sessions of <see cref="LabService"/>.
/// </summary>
public sealed partial class WorkshopService
{
    /// <summary>Join-code alphabet: no 0/O, no 1/I, so a code read off a projector is typed right.</summary>
    public const string CodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>Join-code length.</summary>
    public const int CodeLength = 6;

    /// <summary>Longest student or workshop name.</summary>
    public const int MaxNameLength = 60;

    private readonly ConcurrentDictionary<string, Workshop> _workshops = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _bySession = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WorkshopOutcome> _outcomes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly LabService _lab;
    private readonly IDbContextFactory<LabDb> _db;
    private readonly TraceStore _store;
    private readonly LabOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<WorkshopService> _log;

    /// <summary>Creates the service.</summary>
    public WorkshopService(LabService lab, IDbContextFactory<LabDb> db, TraceStore store, IOptions<LabOptions> options, TimeProvider clock, ILogger<WorkshopService> log)
    {
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentNullException.ThrowIfNull(options);
        _lab = lab;
        _db = db;
        _store = store;
        _options = options.Value;
        _clock = clock;
        _log = log;
        lab.Changed += change =>
        {
            if (_bySession.TryGetValue(change.SessionId, out var workshopId))
            {
                Changed?.Invoke(new WorkshopChange(workshopId, WorkshopChangeKind.Grid));
            }
        };
    }

    /// <summary>Raised when a grid goes stale, follow-me changes or a workshop closes.</summary>
    public event Action<WorkshopChange>? Changed;

    // ---- instructor ------------------------------------------------------------------------------------------

    /// <summary>Creates a workshop and its template session (from a scenario preset when named).</summary>
    public async Task<Result<CreatedWorkshop>> CreateAsync(string? name, SessionConfig config, string? scenario, string owner, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        if (_workshops.Values.Count(w => w.IsOpen(now)) >= _options.MaxWorkshops)
        {
            return new ServiceError(ServiceErrorKind.Quota, $"the server holds its maximum of {_options.MaxWorkshops} open workshops; close one first");
        }
        if (name is { Length: > MaxNameLength })
        {
            return new ServiceError(ServiceErrorKind.BadRequest, $"name must be at most {MaxNameLength} characters", Field: "name");
        }
        var title = string.IsNullOrWhiteSpace(name) ? (scenario is null ? "Workshop" : $"Workshop: {scenario}") : name.Trim();
        var template = await _lab.CreateAsync($"{title} (template)", config, scenario, owner, ct).ConfigureAwait(false);
        if (template.Error is not null)
        {
            return template.Error;
        }
        var key = SessionToken.Create();
        Workshop workshop;
        lock (_gate)
        {
            workshop = new Workshop
            {
                Id = SessionToken.NewId(), Code = NewCode(now), Name = title, Scenario = scenario ?? "-", KeyHash = SessionToken.Hash(key),
                TemplateSessionId = template.Value!.Host.Id, Owner = owner, CreatedAt = now,
                ExpiresAt = now + TimeSpan.FromMinutes(Math.Max(1, _options.WorkshopTtlMinutes)),
            };
            _workshops[workshop.Id] = workshop;
            _bySession[workshop.TemplateSessionId] = workshop.Id;
        }
        if (await SaveAsync(db => db.Workshops.Add(workshop.ToRow()), ct).ConfigureAwait(false) is { } failed)
        {
            _workshops.TryRemove(workshop.Id, out _);
            _bySession.TryRemove(workshop.TemplateSessionId, out _);
            return failed;
        }
        LogCreated(workshop.Id, workshop.Code, owner);
        var (host, token, snapshot) = template.Value;
        return new CreatedWorkshop(key, token, Grid(workshop, []), SessionView.From(host, snapshot));
    }

    /// <summary>The instructor's grid: every student's sandbox now.</summary>
    public async Task<Result<WorkshopGrid>> GridAsync(string id, string? key, CancellationToken ct)
    {
        var (workshop, error) = Authorize(id, key);
        return error ?? (Result<WorkshopGrid>)await GridAsync(workshop!, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Turns follow-me on (every student page shows <paramref name="sessionId"/>, by default the template) or off.
    /// The session must be the workshop's template or one of its sandboxes.
    /// </summary>
    public async Task<Result<WorkshopGrid>> FollowAsync(string id, string? key, bool on, string? sessionId, CancellationToken ct)
    {
        var (workshop, error) = Authorize(id, key);
        if (error is not null)
        {
            return error;
        }
        if (!workshop!.IsOpen(_clock.GetUtcNow()))
        {
            return Closed(workshop);
        }
        string? follow = null;
        if (on)
        {
            follow = sessionId ?? workshop.TemplateSessionId;
            bool known;
            lock (_gate)
            {
                known = follow == workshop.TemplateSessionId || workshop.Students.Exists(s => s.SessionId == follow);
            }
            if (!known)
            {
                return new ServiceError(ServiceErrorKind.BadRequest,
                    $"session '{follow}' is not this workshop's template or one of its sandboxes", Field: "sessionId");
            }
        }
        if (await UpdateAsync(db => db.Workshops.Where(w => w.Id == id).ExecuteUpdateAsync(u => u.SetProperty(w => w.FollowSessionId, follow), ct), ct)
                .ConfigureAwait(false) is { } failed)
        {
            return failed;
        }
        workshop.FollowSessionId = follow;
        Changed?.Invoke(new WorkshopChange(id, WorkshopChangeKind.Follow, follow));
        return await GridAsync(workshop, ct).ConfigureAwait(false);
    }

    /// <summary>Closes a workshop: its code stops working, follow-me ends, and the sandboxes turn read-only. Closing twice is harmless.</summary>
    public async Task<Result<WorkshopGrid>> CloseAsync(string id, string? key, CancellationToken ct)
    {
        var (workshop, error) = Authorize(id, key);
        if (error is not null)
        {
            return error;
        }
        if (workshop!.ClosedAt is null)
        {
            var now = _clock.GetUtcNow();
            if (await UpdateAsync(db => db.Workshops.Where(w => w.Id == id).ExecuteUpdateAsync(u => u
                    .SetProperty(w => w.ClosedAtMs, now.ToUnixTimeMilliseconds()).SetProperty(w => w.FollowSessionId, (string?)null), ct), ct)
                    .ConfigureAwait(false) is { } failed)
            {
                return failed;
            }
            lock (_gate)
            {
                workshop.ClosedAt = now;
                workshop.FollowSessionId = null;
                foreach (var student in workshop.Students)
                {
                    if (_lab.Find(student.SessionId) is { } host)
                    {
                        host.ReadOnlyFrom = now;
                    }
                }
            }
            LogClosed(id);
            Changed?.Invoke(new WorkshopChange(id, WorkshopChangeKind.Closed));
        }
        return await GridAsync(workshop, ct).ConfigureAwait(false);
    }

    // ---- students ----------------------------------------------------------------------------------------------

    /// <summary>Joins a workshop by its code: forks the template as it is now into the student's own sandbox.</summary>
    public async Task<Result<JoinedWorkshop>> JoinAsync(string? code, string? studentName, CancellationToken ct)
    {
        var (workshop, error) = FindByCode(code);
        if (error is not null)
        {
            return error;
        }
        var name = studentName?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength)
        {
            return new ServiceError(ServiceErrorKind.BadRequest, $"studentName must be 1–{MaxNameLength} characters", Field: "studentName");
        }
        int seat;
        lock (_gate)
        {
            if (workshop!.Students.Count + workshop.Joining >= _options.MaxStudentsPerWorkshop)
            {
                return new ServiceError(ServiceErrorKind.WorkshopFull,
                    $"workshop '{workshop.Code}' already has its maximum of {_options.MaxStudentsPerWorkshop} students");
            }
            workshop.Joining++;
            seat = ++workshop.Seats;
        }
        try
        {
            // Each sandbox is owned by its seat, not by the student's address: a class behind one NAT is one address.
            var forked = await _lab.ForkAsServerAsync(workshop.TemplateSessionId, atStep: null, $"{name} — {workshop.Name}",
                $"workshop:{workshop.Id}:{seat}", ct).ConfigureAwait(false);
            if (forked.Error is not null)
            {
                return forked.Error;
            }
            var (host, token, snapshot) = forked.Value!;
            var student = new Student(name, host.Id, _clock.GetUtcNow());
            if (await SaveAsync(db => db.WorkshopStudents.Add(student.ToRow(workshop.Id)), ct).ConfigureAwait(false) is { } failed)
            {
                await _lab.DeleteAsync(host.Id, token, admin: false, CancellationToken.None).ConfigureAwait(false);
                return failed;
            }
            lock (_gate)
            {
                host.ReadOnlyFrom = workshop.ClosedAt ?? workshop.ExpiresAt;
                workshop.Students.Add(student);
                _bySession[host.Id] = workshop.Id;
            }
            LogJoined(workshop.Id, host.Id);
            Changed?.Invoke(new WorkshopChange(workshop.Id, WorkshopChangeKind.Grid));
            return new JoinedWorkshop(workshop.Id, workshop.Name, workshop.Code, token, SessionView.From(host, snapshot), workshop.FollowSessionId);
        }
        finally
        {
            lock (_gate)
            {
                workshop.Joining--;
            }
        }
    }

    /// <summary>What a student page needs to follow the open workshop with this code.</summary>
    public Result<WorkshopPresence> Presence(string? code)
    {
        var (workshop, error) = FindByCode(code);
        return error ?? (Result<WorkshopPresence>)new WorkshopPresence(workshop!.Id, workshop.Name, true, workshop.FollowSessionId);
    }

    /// <summary>
    /// Workshops that expired (<c>ConnLab:WorkshopTtlMinutes</c>) since the last call, each once, so their students hear
    /// <c>WorkshopClosed</c> as if the instructor had closed them.
    /// </summary>
    internal IReadOnlyList<string> TakeExpired()
    {
        var now = _clock.GetUtcNow();
        List<string> expired = [];
        lock (_gate)
        {
            foreach (var w in _workshops.Values)
            {
                if (w.ClosedAt is null && !w.ExpiryAnnounced && now >= w.ExpiresAt)
                {
                    w.ExpiryAnnounced = true;
                    w.FollowSessionId = null;
                    expired.Add(w.Id);
                }
            }
        }
        return expired;
    }

    /// <summary>Checks the instructor key of a workshop (for the hub's grid watch).</summary>
    public ServiceError? Check(string id, string? key) => Authorize(id, key).Error;

    /// <summary>The grid without a key check (the hub's pushes go to connections that showed the key).</summary>
    internal async Task<WorkshopGrid?> GridAsync(string id, CancellationToken ct) =>
        _workshops.TryGetValue(id, out var workshop) ? await GridAsync(workshop, ct).ConfigureAwait(false) : null;

    // ---- restart -----------------------------------------------------------------------------------------------

    /// <summary>Loads stored workshops (after <see cref="LabService.RestoreAsync"/>): closed ones' sandboxes stay read-only.</summary>
    public async Task RestoreAsync(CancellationToken ct)
    {
        var (rows, studentRows) = await _store.ListWorkshopsAsync(ct).ConfigureAwait(false);
        var students = studentRows.ToLookup(s => s.WorkshopId);
        foreach (var row in rows)
        {
            var workshop = Workshop.From(row);
            foreach (var s in students[row.Id])
            {
                workshop.Students.Add(new Student(s.Name, s.SessionId, DateTimeOffset.FromUnixTimeMilliseconds(s.JoinedAtMs)));
                _bySession[s.SessionId] = row.Id;
                if (_lab.Find(s.SessionId) is { } host)
                {
                    host.ReadOnlyFrom = workshop.ClosedAt ?? workshop.ExpiresAt;
                }
            }
            workshop.Seats = workshop.Students.Count;
            workshop.ExpiryAnnounced = !workshop.IsOpen(_clock.GetUtcNow());
            _workshops[row.Id] = workshop;
            _bySession[row.TemplateSessionId] = row.Id;
        }
        LogRestored(rows.Count);
    }

    // ---- internals ---------------------------------------------------------------------------------------------

    private (Workshop? Workshop, ServiceError? Error) Authorize(string id, string? key)
    {
        if (!_workshops.TryGetValue(id, out var workshop))
        {
            return (null, new ServiceError(ServiceErrorKind.WorkshopNotFound, $"workshop '{id}' does not exist"));
        }
        if (string.IsNullOrEmpty(key))
        {
            return (null, new ServiceError(ServiceErrorKind.Unauthenticated,
                "this is the instructor's call: send the workshop's instructor key as 'Authorization: Bearer <key>'"));
        }
        if (!SessionToken.Matches(key, workshop.KeyHash) && !_lab.IsAdmin(key))
        {
            return (null, new ServiceError(ServiceErrorKind.Forbidden, $"that is not the instructor key of workshop '{id}'"));
        }
        return (workshop, null);
    }

    private (Workshop? Workshop, ServiceError? Error) FindByCode(string? code)
    {
        var normal = NormalizeCode(code);
        if (normal.Length != CodeLength)
        {
            return (null, new ServiceError(ServiceErrorKind.BadRequest, $"a join code has {CodeLength} letters and digits", Field: "code"));
        }
        var now = _clock.GetUtcNow();
        var matches = _workshops.Values.Where(w => w.Code == normal).ToList();
        if (matches.Find(w => w.IsOpen(now)) is { } open)
        {
            return (open, null);
        }
        return matches.Count > 0
            ? (null, Closed(matches.MaxBy(w => w.CreatedAt)!))
            : (null, new ServiceError(ServiceErrorKind.WorkshopNotFound, $"no workshop has the code '{normal}'; check it on the projector"));
    }

    private static ServiceError Closed(Workshop workshop) => new(ServiceErrorKind.WorkshopClosed, workshop.ClosedAt is { } at
        ? $"workshop '{workshop.Code}' closed at {at:HH:mm} UTC; its sandboxes can still be read"
        : $"workshop '{workshop.Code}' expired at {workshop.ExpiresAt:HH:mm} UTC; its sandboxes can still be read");

    /// <summary>A code as students type it, canonical: upper case, without spaces and dashes.</summary>
    public static string NormalizeCode(string? code) =>
        new((code ?? "").Where(c => c is not (' ' or '-')).Select(char.ToUpperInvariant).ToArray());

    private string NewCode(DateTimeOffset now)
    {
        Span<char> code = stackalloc char[CodeLength];
        while (true)
        {
            for (var i = 0; i < code.Length; i++)
            {
                code[i] = CodeAlphabet[RandomNumberGenerator.GetInt32(CodeAlphabet.Length)];
            }
            var candidate = new string(code);
            if (!_workshops.Values.Any(w => w.Code == candidate && w.IsOpen(now)))
            {
                return candidate;
            }
        }
    }

    private async Task<WorkshopGrid> GridAsync(Workshop workshop, CancellationToken ct)
    {
        List<Student> students;
        lock (_gate)
        {
            students = workshop.Students.ToList();
        }
        var rows = new List<WorkshopStudent>(students.Count);
        foreach (var student in students)
        {
            var row = await _lab.ReadAsync(student.SessionId, h =>
            {
                var outcome = _outcomes.GetOrAdd(h.Id, _ => new WorkshopOutcome());
                outcome.Feed(h.Session.Events);
                var s = h.Session.Snapshot();
                return new WorkshopStudent(student.Name, h.Id, student.JoinedAt, Engine.Tcp.TcpStateNames.ToName(s.Client.State),
                    Engine.Tcp.TcpStateNames.ToName(s.Server.State), s.Step, s.EventCount, s.TimeUs / 1000.0, outcome.Describe(s.Client.State, s.Server.State));
            }, ct).ConfigureAwait(false);
            rows.Add(row.Value ?? new WorkshopStudent(student.Name, student.SessionId, student.JoinedAt, null, null, 0, 0, 0, "deleted"));
        }
        return Grid(workshop, rows);
    }

    private WorkshopGrid Grid(Workshop w, IReadOnlyList<WorkshopStudent> students) => new(w.Id, w.Name, w.Code, w.Scenario, w.TemplateSessionId,
        w.CreatedAt, w.ExpiresAt, w.IsOpen(_clock.GetUtcNow()), w.ClosedAt, w.FollowSessionId, _options.MaxStudentsPerWorkshop, students);

    /// <summary>Adds rows and saves them; a store failure becomes a refusal.</summary>
    private Task<ServiceError?> SaveAsync(Action<LabDb> add, CancellationToken ct) => UpdateAsync(db =>
    {
        add(db);
        return db.SaveChangesAsync(ct);
    }, ct);

    /// <summary>Runs one write (an ExecuteUpdate or a SaveChanges); a store failure becomes a refusal.</summary>
    private async Task<ServiceError?> UpdateAsync(Func<LabDb, Task<int>> write, CancellationToken ct)
    {
        try
        {
            await using var db = await _db.CreateDbContextAsync(ct).ConfigureAwait(false);
            await write(db).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is DbUpdateException or Microsoft.Data.Sqlite.SqliteException)
        {
            return new ServiceError(ServiceErrorKind.Unavailable, $"the store refused the write ({ex.Message}); nothing was changed");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workshop {WorkshopId} created with code {Code} for {Owner}")]
    private partial void LogCreated(string workshopId, string code, string owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workshop {WorkshopId}: a student joined with session {SessionId}")]
    private partial void LogJoined(string workshopId, string sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workshop {WorkshopId} closed")]
    private partial void LogClosed(string workshopId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Count} workshops")]
    private partial void LogRestored(int count);

    private sealed class Workshop
    {
        public required string Id { get; init; }
        public required string Code { get; init; }
        public required string Name { get; init; }
        public required string Scenario { get; init; }
        public required byte[] KeyHash { get; init; }
        public required string TemplateSessionId { get; init; }
        public required string Owner { get; init; }
        public required DateTimeOffset CreatedAt { get; init; }
        public required DateTimeOffset ExpiresAt { get; init; }
        public DateTimeOffset? ClosedAt { get; set; }
        public string? FollowSessionId { get; set; }
        public List<Student> Students { get; } = [];
        public int Joining { get; set; }
        public int Seats { get; set; }
        public bool ExpiryAnnounced { get; set; }

        public bool IsOpen(DateTimeOffset now) => ClosedAt is null && now < ExpiresAt;

        public WorkshopRow ToRow() => new()
        {
            Id = Id, Code = Code, Name = Name, Scenario = Scenario, KeyHash = KeyHash, TemplateSessionId = TemplateSessionId, Owner = Owner,
            CreatedAtMs = CreatedAt.ToUnixTimeMilliseconds(), ExpiresAtMs = ExpiresAt.ToUnixTimeMilliseconds(),
            ClosedAtMs = ClosedAt?.ToUnixTimeMilliseconds(), FollowSessionId = FollowSessionId,
        };

        public static Workshop From(WorkshopRow r) => new()
        {
            Id = r.Id, Code = r.Code, Name = r.Name, Scenario = r.Scenario, KeyHash = r.KeyHash, TemplateSessionId = r.TemplateSessionId, Owner = r.Owner,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAtMs), ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(r.ExpiresAtMs),
            ClosedAt = r.ClosedAtMs is { } c ? DateTimeOffset.FromUnixTimeMilliseconds(c) : null, FollowSessionId = r.FollowSessionId,
        };
    }

    private sealed record Student(string Name, string SessionId, DateTimeOffset JoinedAt)
    {
        public WorkshopStudentRow ToRow(string workshopId) => new()
        {
            WorkshopId = workshopId, SessionId = SessionId, Name = Name, JoinedAtMs = JoinedAt.ToUnixTimeMilliseconds(),
        };
    }
}
