using System.Reflection;
using System.Text.Json;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace ConnLab.Server.Persistence;

/// <summary>A stored session as read back: its row, command log and encoded trace.</summary>
public sealed record StoredSession(SessionRow Row, SessionConfig Config, IReadOnlyList<CommandRecord> Commands, IReadOnlyList<byte[]> Events);

/// <summary>Reads from the trace store (schema creation, recovery, reloading evicted sessions).</summary>
public sealed class TraceStore(IDbContextFactory<LabDb> contexts, IConfiguration configuration)
{
    internal static readonly JsonSerializerOptions ConfigJson = new(JsonSerializerDefaults.Web);

    private string ConnectionString => configuration.GetConnectionString("ConnLab") ?? "Data Source=connlab.db";

    /// <summary>The ids of the migrations this build knows, in order: what <c>Database.GetMigrations()</c> lists, read
    /// from the same attributes without building EF Core's services.</summary>
    internal static readonly IReadOnlyList<string> KnownMigrations = typeof(LabDb).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Migration)) && t.GetCustomAttribute<DbContextAttribute>()?.ContextType == typeof(LabDb))
        .Select(t => t.GetCustomAttribute<MigrationAttribute>()?.Id)
        .OfType<string>()
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>
    /// Creates or migrates the database and turns on write-ahead logging. Each migration the database lacks is applied
    /// from its SQL script (Persistence/Migrations/Sql, the <c>dotnet ef migrations script</c> output that
    /// MigrationTests keeps equal to what EF Core generates), as EF Core recommends for deployments: its migrator
    /// would build the model of every migration and of the context and diff them on every start, which took longer
    /// than the rest of start-up together. A migration without a script falls back to <c>Database.MigrateAsync</c>.
    /// Then what a previous run left in the writer's journal is folded (so restoring many sessions does not scan it once each).
    /// </summary>
    public async Task MigrateAsync(CancellationToken ct)
    {
        await using (var connection = new SqliteConnection(ConnectionString))
        {
            // Opening a missing file with Mode=ReadOnly throws here, before anything is created.
            await connection.OpenAsync(ct).ConfigureAwait(false);
            // Refuse a database we may not write (Mode=ReadOnly, a read-only file) now, not at the first command: a
            // write that is rolled back fails with SQLITE_READONLY (taking the lock alone does not). The migrator's
            // lock row found this before.
            await ExecuteAsync(connection, "BEGIN; CREATE TABLE connlab_write_probe (x); ROLLBACK;", ct).ConfigureAwait(false);
            var applied = await AppliedMigrationsAsync(connection, ct).ConfigureAwait(false);
            var scripts = KnownMigrations.Where(id => !applied.Contains(id)).Select(id => MigrationScript(id)).ToList();
            if (scripts.All(script => script is not null))
            {
                foreach (var script in scripts)
                {
                    await ExecuteAsync(connection, script!, ct).ConfigureAwait(false); // one transaction each, with its history row
                }
            }
            else
            {
                await using var db = await contexts.CreateDbContextAsync(ct).ConfigureAwait(false);
                await db.Database.MigrateAsync(ct).ConfigureAwait(false);
            }
            // WAL: readers never block the writer; synchronous=NORMAL is durable across a process kill (not power loss).
            await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", ct).ConfigureAwait(false);
            try
            {
                TraceJournal.Fold(connection); // an empty journal is one count in one transaction
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is SQLiteBusy or SQLiteLocked or SQLiteFull)
            {
                // Locked or full: the journal stays readable as it is, and the writer folds it once it can.
            }
        }
    }

    private const int SQLiteBusy = 5;
    private const int SQLiteLocked = 6;
    private const int SQLiteFull = 13;

    /// <summary>The SQL that applies one migration and records it in the history table, or null if this build has none.</summary>
    internal static string? MigrationScript(string migrationId)
    {
        using var stream = typeof(TraceStore).Assembly.GetManifestResourceStream($"ConnLab.Server.Migrations.{migrationId}.sql");
        if (stream is null)
        {
            return null;
        }
        using var reader = new StreamReader(stream); // drops the byte-order mark dotnet ef writes
        return reader.ReadToEnd();
    }

    /// <summary>The migrations the history table lists (none without the table), compared as the migrator compares them.</summary>
    internal static async Task<HashSet<string>> AppliedMigrationsAsync(SqliteConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var applied = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using (var exists = connection.CreateCommand())
        {
            exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsHistory'";
            if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is 0L)
            {
                return applied;
            }
        }
        await using var history = connection.CreateCommand();
        history.CommandText = "SELECT MigrationId FROM __EFMigrationsHistory";
        await using var r = await history.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            applied.Add(r.GetString(0));
        }
        return applied;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>True if the database answers: the file is there (it is not created again here) and takes a query.</summary>
    public async Task<bool> PingAsync(CancellationToken ct)
    {
        var existing = new SqliteConnectionStringBuilder(ConnectionString);
        if (existing.Mode == SqliteOpenMode.ReadWriteCreate)
        {
            existing.Mode = SqliteOpenMode.ReadWrite;
        }
        await using var connection = new SqliteConnection(existing.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var c = connection.CreateCommand();
        c.CommandText = "SELECT 1";
        return await c.ExecuteScalarAsync(ct).ConfigureAwait(false) is 1L;
    }

    /// <summary>The largest session key in use (new keys continue from it).</summary>
    public async Task<long> MaxKeyAsync(CancellationToken ct)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var c = connection.CreateCommand();
        c.CommandText = "SELECT max(Key) FROM Sessions";
        return await c.ExecuteScalarAsync(ct).ConfigureAwait(false) is long key ? key : 0;
    }

    /// <summary>One stored session's row, or null.</summary>
    public async Task<SessionRow?> FindAsync(long key, CancellationToken ct)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        return (await ReadSessionsAsync(connection, "WHERE Key = $k", key, ct).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>Every stored session's row, by key. Read with a plain data reader: at start-up this is the first
    /// query, and EF Core's query pipeline would be compiled for it alone.</summary>
    public async Task<List<SessionRow>> ListAsync(CancellationToken ct)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        return await ReadSessionsAsync(connection, "", null, ct).ConfigureAwait(false);
    }

    private static async Task<List<SessionRow>> ReadSessionsAsync(SqliteConnection connection, string where, long? key, CancellationToken ct)
    {
        await using var c = connection.CreateCommand();
        c.CommandText = $"SELECT Key, Id, Name, Owner, TokenHash, ConfigJson, CreatedAtMs, EngineRevision FROM Sessions {where} ORDER BY Key";
        if (key is { } k)
        {
            c.Parameters.AddWithValue("$k", k);
        }
        await using var r = await c.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var rows = new List<SessionRow>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(new SessionRow
            {
                Key = r.GetInt64(0),
                Id = r.GetString(1),
                Name = r.GetString(2),
                Owner = r.GetString(3),
                TokenHash = (byte[])r.GetValue(4),
                ConfigJson = r.GetString(5),
                CreatedAtMs = r.GetInt64(6),
                EngineRevision = r.GetInt32(7),
            });
        }
        return rows;
    }

    /// <summary>Every stored workshop and its students (students in the order they joined), read like
    /// <see cref="ListAsync"/>.</summary>
    public async Task<(List<WorkshopRow> Workshops, List<WorkshopStudentRow> Students)> ListWorkshopsAsync(CancellationToken ct)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        var workshops = new List<WorkshopRow>();
        await using (var c = connection.CreateCommand())
        {
            c.CommandText = "SELECT Id, Code, Name, Scenario, KeyHash, TemplateSessionId, Owner, CreatedAtMs, ExpiresAtMs, ClosedAtMs, FollowSessionId FROM Workshops";
            await using var r = await c.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                workshops.Add(new WorkshopRow
                {
                    Id = r.GetString(0),
                    Code = r.GetString(1),
                    Name = r.GetString(2),
                    Scenario = r.GetString(3),
                    KeyHash = (byte[])r.GetValue(4),
                    TemplateSessionId = r.GetString(5),
                    Owner = r.GetString(6),
                    CreatedAtMs = r.GetInt64(7),
                    ExpiresAtMs = r.GetInt64(8),
                    ClosedAtMs = r.IsDBNull(9) ? null : r.GetInt64(9),
                    FollowSessionId = r.IsDBNull(10) ? null : r.GetString(10),
                });
            }
        }
        var students = new List<WorkshopStudentRow>();
        await using (var c = connection.CreateCommand())
        {
            c.CommandText = "SELECT WorkshopId, SessionId, Name, JoinedAtMs FROM WorkshopStudents ORDER BY JoinedAtMs";
            await using var r = await c.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                students.Add(new WorkshopStudentRow { WorkshopId = r.GetString(0), SessionId = r.GetString(1), Name = r.GetString(2), JoinedAtMs = r.GetInt64(3) });
            }
        }
        return (workshops, students);
    }

    /// <summary>
    /// One session with its log and trace, read with plain data readers (a trace can be 100,000 rows): its folded
    /// rows and its rows still in the journal (events there always come after the folded ones; commands are merged by
    /// their position), in one read transaction so that a fold in between can neither hide nor repeat a row.
    /// </summary>
    public async Task<StoredSession?> LoadAsync(SessionRow row, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(row);
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        // Deferred: a plain BEGIN, whose read snapshot starts at the first SELECT and takes no write lock.
        await using var snapshot = connection.BeginTransaction(deferred: true);
        var commands = new List<CommandRecord>();
        // Merged by Seq: a long command skips the journal (TraceWriter), so it can precede shorter ones still there.
        await using (var c = connection.CreateCommand())
        {
            c.Transaction = snapshot;
            c.CommandText = "SELECT Json, Seq FROM Commands WHERE SessionKey = $k UNION ALL " +
                "SELECT Json, Seq FROM Journal WHERE SessionKey = $k AND Seq IS NOT NULL ORDER BY Seq";
            c.Parameters.AddWithValue("$k", row.Key);
            await using var r = await c.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                commands.Add(CommandCodec.Deserialize(r.GetString(0)));
            }
        }
        var events = new List<byte[]>();
        foreach (var sql in (string[])[
            "SELECT Data FROM Events WHERE SessionKey = $k ORDER BY Idx",
            "SELECT Data FROM Journal WHERE SessionKey = $k AND Idx IS NOT NULL ORDER BY Idx"])
        {
            await using var c = connection.CreateCommand();
            c.Transaction = snapshot;
            c.CommandText = sql;
            c.Parameters.AddWithValue("$k", row.Key);
            await using var r = await c.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                events.AddRange(EventChunk.Split((byte[])r.GetValue(0)));
            }
        }
        var config = JsonSerializer.Deserialize<SessionConfig>(row.ConfigJson, ConfigJson)
            ?? throw new InvalidDataException($"session {row.Id} has no configuration");
        return new StoredSession(row, config, commands, events);
    }
}
