using System.Text.Json;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ConnLab.Server.Persistence;

/// <summary>A stored session as read back: its row, command log and encoded trace.</summary>
public sealed record StoredSession(SessionRow Row, SessionConfig Config, IReadOnlyList<CommandRecord> Commands, IReadOnlyList<byte[]> Events);

/// <summary>Reads from the trace store (schema creation, recovery, reloading evicted sessions).</summary>
public sealed class TraceStore(IDbContextFactory<LabDb> contexts, IConfiguration configuration)
{
    internal static readonly JsonSerializerOptions ConfigJson = new(JsonSerializerDefaults.Web);

    private string ConnectionString => configuration.GetConnectionString("ConnLab") ?? "Data Source=connlab.db";

    /// <summary>
    /// Creates or migrates the database, turns on write-ahead logging, and folds what a previous run left in the
    /// journal (so that restoring many sessions does not scan it once each).
    /// </summary>
    public async Task MigrateAsync(CancellationToken ct)
    {
        await using (var db = await contexts.CreateDbContextAsync(ct).ConfigureAwait(false))
        {
            await db.Database.MigrateAsync(ct).ConfigureAwait(false);
            // WAL: readers never block the writer; synchronous=NORMAL is durable across a process kill (not power loss).
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct).ConfigureAwait(false);
        }
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        if (TraceJournal.Count(connection) > 0)
        {
            try
            {
                TraceJournal.Fold(connection);
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

    /// <summary>True if the database answers.</summary>
    public async Task<bool> PingAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct).ConfigureAwait(false);
        return await db.Database.CanConnectAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The largest session key in use (new keys continue from it).</summary>
    public async Task<long> MaxKeyAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct).ConfigureAwait(false);
        return await db.Sessions.Select(s => (long?)s.Key).MaxAsync(ct).ConfigureAwait(false) ?? 0;
    }

    /// <summary>Every stored session's row.</summary>
    public async Task<List<SessionRow>> ListAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct).ConfigureAwait(false);
        return await db.Sessions.AsNoTracking().OrderBy(s => s.Key).ToListAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One session with its log and trace, read with plain data readers (a trace can be 100,000 rows): its folded
    /// rows, then its rows still in the journal (which always come after them), in one read transaction so that a
    /// fold in between can neither hide nor repeat a row.
    /// </summary>
    public async Task<StoredSession?> LoadAsync(SessionRow row, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(row);
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        // Deferred: a plain BEGIN, whose read snapshot starts at the first SELECT and takes no write lock.
        await using var snapshot = connection.BeginTransaction(deferred: true);
        var commands = new List<CommandRecord>();
        foreach (var sql in (string[])[
            "SELECT Json FROM Commands WHERE SessionKey = $k ORDER BY Seq",
            "SELECT Json FROM Journal WHERE SessionKey = $k AND Seq IS NOT NULL ORDER BY Seq"])
        {
            await using var c = connection.CreateCommand();
            c.Transaction = snapshot;
            c.CommandText = sql;
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
