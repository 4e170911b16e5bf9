using System.Net;
using System.Net.Http.Json;
using ConnLab.Server.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Server.Tests;

/// <summary>
/// The trace store is created and upgraded from each migration's SQL script instead of EF Core's migrator (which
/// cost most of start-up): the scripts must stay what EF Core generates, and every kind of database must end up where
/// <c>Database.MigrateAsync</c> would put it.
/// </summary>
public sealed class MigrationTests : IDisposable
{
    private const string Initial = "20261124205022_InitialSchema";
    private readonly List<string> _files = [];

    private string NewPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"connlab-migrate-{Guid.NewGuid():N}.db");
        _files.Add(path);
        return path;
    }

    private static LabDb Context(string path) =>
        new(new DbContextOptionsBuilder<LabDb>().UseSqlite($"Data Source={path}").Options);

    private static TraceStore Store(string path)
    {
        var services = new ServiceCollection()
            .AddDbContextFactory<LabDb>(o => o.UseSqlite($"Data Source={path}"))
            .BuildServiceProvider();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:ConnLab"] = $"Data Source={path}" })
            .Build();
        return new TraceStore(services.GetRequiredService<IDbContextFactory<LabDb>>(), configuration);
    }

    private static string Normalize(string sql) => sql.TrimStart('\uFEFF').ReplaceLineEndings("\n").Trim();

    [Fact]
    public void Every_migration_has_a_script_equal_to_the_one_EF_Core_generates()
    {
        using var db = Context(":memory:");
        var migrations = db.Database.GetMigrations().ToList();
        Assert.Equal(migrations, TraceStore.KnownMigrations);
        var migrator = db.GetService<IMigrator>();
        string? previous = null;
        foreach (var id in migrations)
        {
            var expected = migrator.GenerateScript(previous, id);
            var script = TraceStore.MigrationScript(id);
            Assert.True(script is not null && Normalize(script) == Normalize(expected),
                $"Persistence/Migrations/Sql/{id}.sql is missing or stale; write it with\n"
                + $"dotnet ef migrations script {previous ?? "0"} {id} -p src/ConnLab.Server -o src/ConnLab.Server/Persistence/Migrations/Sql/{id}.sql");
            previous = id;
        }
    }

    [Fact]
    public void The_model_has_no_changes_without_a_migration()
    {
        // The migrator checks this on every MigrateAsync; the server no longer runs it at start-up, so it is checked here.
        using var db = Context(":memory:");
        Assert.False(db.Database.HasPendingModelChanges(), "the model changed: add a migration (dotnet ef migrations add …) and its script");
    }

    [Fact]
    public async Task A_new_database_gets_the_schema_and_history_EF_Core_migrator_gives_it()
    {
        var scripted = NewPath();
        var migrated = NewPath();
        await Store(scripted).MigrateAsync(CancellationToken.None);
        await using (var db = Context(migrated))
        {
            await db.Database.MigrateAsync();
        }
        Assert.Equal(await Schema(migrated), await Schema(scripted));
        Assert.Equal(TraceStore.KnownMigrations, await History(scripted));
        Assert.Equal("wal", await Scalar(scripted, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task A_database_at_an_older_migration_is_upgraded_and_keeps_its_rows()
    {
        var path = NewPath();
        await using (var db = Context(path))
        {
            await db.GetService<IMigrator>().MigrateAsync(Initial); // what a server of that time left behind
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO Sessions (Key, Id, Name, Owner, TokenHash, ConfigJson, CreatedAtMs) VALUES (7, 'old', 'n', 'o', x'00', '{{}}', 1)");
        }
        Assert.Equal([Initial], await History(path));

        await Store(path).MigrateAsync(CancellationToken.None);

        Assert.Equal(TraceStore.KnownMigrations, await History(path));
        Assert.Equal(1L, await Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'WorkshopStudents'"));
        Assert.Equal("old", await Scalar(path, "SELECT Id FROM Sessions WHERE Key = 7"));
        var fresh = NewPath();
        await Store(fresh).MigrateAsync(CancellationToken.None);
        Assert.Equal(await Schema(fresh), await Schema(path));
    }

    [Fact]
    public async Task A_server_started_on_an_older_database_upgrades_it_and_serves_workshops()
    {
        var path = NewPath();
        await using (var db = Context(path))
        {
            await db.GetService<IMigrator>().MigrateAsync(Initial);
        }
        using var factory = new LabFactory(path);
        using var created = await factory.CreateClient().PostAsJsonAsync("/api/workshops", new { scenario = "handshake", name = "after upgrade" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(TraceStore.KnownMigrations, await History(path));
    }

    [Fact]
    public async Task An_up_to_date_database_is_left_as_it_is()
    {
        var path = NewPath();
        await Store(path).MigrateAsync(CancellationToken.None);
        var schema = await Schema(path);
        await Store(path).MigrateAsync(CancellationToken.None);
        Assert.Equal(schema, await Schema(path));
        Assert.Equal(TraceStore.KnownMigrations, await History(path));
    }

    private static async Task<List<string>> History(string path) =>
        await Rows(path, "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId");

    // The migrator's own lock table (EF Core 9+) is the one difference allowed: it holds no data of ours.
    private static async Task<List<string>> Schema(string path) =>
        await Rows(path, "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE name <> '__EFMigrationsLock' ORDER BY name");

    private static async Task<List<string>> Rows(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }

    private static async Task<object?> Scalar(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var path in _files)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
        }
    }
}
