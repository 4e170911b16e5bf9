using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Server.Persistence;
using ConnLab.Server.Sessions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ConnLab.Server.Tests;

/// <summary>
/// The trace writer's journal: acknowledged writes are committed rows, readers see journal and folded rows as one
/// ordered log, folds happen by size, when idle, on stop and at start-up, and batches keep their order across
/// multi-row inserts, rewinds and deletes.
/// </summary>
public sealed class TraceWriterTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"connlab-writer-test-{Guid.NewGuid():N}.db");
    private string ConnectionString => $"Data Source={_path}";

    private TraceStore Store()
    {
        var options = new DbContextOptionsBuilder<LabDb>().UseSqlite(ConnectionString).Options;
        return new TraceStore(new PooledDbContextFactory<LabDb>(options), Configuration());
    }

    private IConfiguration Configuration() => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:ConnLab"] = ConnectionString }).Build();

    private TraceWriter Writer(int foldRows = 4096, int foldIdleMs = 0, int chunkRows = 1024, long chunkBytes = 1 << 20)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var options = new LabOptions
        {
            JournalFoldRows = foldRows, JournalFoldIdleMs = foldIdleMs, JournalFoldChunkRows = chunkRows, JournalFoldChunkBytes = chunkBytes,
        };
        return new TraceWriter(Configuration(), Options.Create(options), NullLogger<TraceWriter>.Instance, new LabMetrics(meters));
    }

    private static SessionRow Row(long key) => new() { Key = key, Id = $"s{key}", Name = "test", ConfigJson = "{}" };

    /// <summary>A real session driven command by command, each command's events kept apart.</summary>
    private static (LabSession Session, List<IReadOnlyList<LabEvent>> PerCommand) Drive(int commands)
    {
        var session = LabSession.Create(new SessionConfig { Profile = "linux", Seed = 3 });
        var perCommand = new List<IReadOnlyList<LabEvent>>();
        LabCommand[] script =
        [
            new EndpointCommand(EndpointRole.Server, EndpointAction.Listen),
            new EndpointCommand(EndpointRole.Client, EndpointAction.Connect),
        ];
        for (var i = 0; i < commands; i++)
        {
            var result = session.Execute(i < script.Length ? script[i]
                : i % 3 == 0 ? new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[100 + i]) : new StepCommand());
            Assert.Null(result.Error);
            perCommand.Add(result.Events);
        }
        return (session, perCommand);
    }

    private long Scalar(string sql)
    {
        using var c = new SqliteConnection(ConnectionString);
        c.Open();
        using var q = c.CreateCommand();
        q.CommandText = sql;
        return Convert.ToInt64(q.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task AssertStored(long key, LabSession session)
    {
        var stored = await Store().LoadAsync(Row(key), CancellationToken.None);
        Assert.Equal(session.Commands.Select(CommandCodec.Serialize), stored!.Commands.Select(CommandCodec.Serialize));
        Assert.Equal(session.Events.Select(EventCodec.EncodeDigest), stored.Events);
    }

    [Fact]
    public async Task An_acknowledged_write_is_committed_and_readable_from_the_journal_before_any_fold()
    {
        await Store().MigrateAsync(CancellationToken.None);
        using var writer = Writer(foldRows: 1_000_000);
        await writer.StartAsync(CancellationToken.None);
        var (session, perCommand) = Drive(6);
        await writer.Enqueue(new CreateSessionOp(Row(1), [], []));
        for (var i = 0; i < perCommand.Count; i++)
        {
            await writer.Enqueue(new AppendOp(1, i, [session.Commands[i]], perCommand[i]));
            // Acknowledged: another connection sees the row already (the writer holds no transaction open).
            Assert.Equal(i + 1, Scalar("SELECT COUNT(*) FROM Journal WHERE SessionKey = 1 AND Seq IS NOT NULL"));
        }
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM Commands"));
        await AssertStored(1, session);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Writes_enqueued_from_many_threads_at_once_are_all_committed_and_a_write_after_a_quiet_spell_wakes_the_writer()
    {
        await Store().MigrateAsync(CancellationToken.None);
        using var writer = Writer(foldRows: 1_000_000);
        await writer.StartAsync(CancellationToken.None);
        var (session, perCommand) = Drive(40);
        await Task.WhenAll(Enumerable.Range(1, 16).Select(key => writer.Enqueue(new CreateSessionOp(Row(key), [], [])))).WaitAsync(TimeSpan.FromSeconds(30));

        // Each session's writes in order from its own thread, all sessions at once: one wake-up serves many writes.
        var writes = await Task.WhenAll(Enumerable.Range(1, 16).Select(key => Task.Run(() =>
            Enumerable.Range(0, perCommand.Count).Select(i => writer.Enqueue(new AppendOp(key, i, [session.Commands[i]], perCommand[i]))).ToList())));
        await Task.WhenAll(writes.SelectMany(w => w)).WaitAsync(TimeSpan.FromSeconds(30));
        for (var key = 1; key <= 16; key++)
        {
            await AssertStored(key, session);
        }

        await Task.Delay(200); // the writer asleep, waiting for work
        var (late, lateEvents) = Drive(1);
        await writer.Enqueue(new CreateSessionOp(Row(17), [late.Commands[0]], lateEvents[0])).WaitAsync(TimeSpan.FromSeconds(30));
        await AssertStored(17, late);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Folds_by_size_keep_the_log_and_trace_in_order_and_a_stop_leaves_the_journal_empty()
    {
        await Store().MigrateAsync(CancellationToken.None);
        using var writer = Writer(foldRows: 4);
        await writer.StartAsync(CancellationToken.None);
        var (a, aEvents) = Drive(11);
        var (b, bEvents) = Drive(7);
        await writer.Enqueue(new CreateSessionOp(Row(1), [], []));
        await writer.Enqueue(new CreateSessionOp(Row(2), [], []));
        for (var i = 0; i < 11; i++)
        {
            // Two sessions interleaved, each write awaited as the server does.
            await Task.WhenAll(
                writer.Enqueue(new AppendOp(1, i, [a.Commands[i]], aEvents[i])),
                i < 7 ? writer.Enqueue(new AppendOp(2, i, [b.Commands[i]], bEvents[i])) : Task.CompletedTask);
        }
        Assert.True(Scalar("SELECT COUNT(*) FROM Commands") >= 12, "size-triggered folds ran");
        Assert.True(Scalar("SELECT COUNT(*) FROM Journal") < 4 + 2);
        await AssertStored(1, a);
        await AssertStored(2, b);
        await writer.StopAsync(CancellationToken.None);
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM Journal"));
        Assert.Equal(18, Scalar("SELECT COUNT(*) FROM Commands"));
        await AssertStored(1, a);
        await AssertStored(2, b);
    }

    [Fact]
    public async Task A_fold_goes_chunk_by_chunk_between_commits_and_readers_see_one_ordered_log_throughout()
    {
        await Store().MigrateAsync(CancellationToken.None);
        using var writer = Writer(foldRows: 6, chunkRows: 2);
        await writer.StartAsync(CancellationToken.None);
        var (a, aEvents) = Drive(30);
        await writer.Enqueue(new CreateSessionOp(Row(1), [], []));
        var sawPartialFold = false;
        for (var i = 0; i < 30; i++)
        {
            await writer.Enqueue(new AppendOp(1, i, [a.Commands[i]], aEvents[i]));
            var (folded, journal) = (Scalar("SELECT COUNT(*) FROM Commands"), Scalar("SELECT COUNT(*) FROM Journal"));
            sawPartialFold |= folded > 0 && journal > 0;
            Assert.True(journal <= 6 + 1, $"after command {i}: the journal holds {journal} rows; chunks must keep up with one row per commit");
            var stored = await Store().LoadAsync(Row(1), CancellationToken.None);
            Assert.Equal(a.Commands.Take(i + 1).Select(CommandCodec.Serialize), stored!.Commands.Select(CommandCodec.Serialize));
        }
        Assert.True(sawPartialFold, "a fold was seen part-way, rows folded and rows still in the journal");
        await writer.StopAsync(CancellationToken.None);
        await AssertStored(1, a);
    }

    [Fact]
    public async Task A_fold_chunk_stops_at_its_byte_budget_but_always_moves_one_row()
    {
        await Store().MigrateAsync(CancellationToken.None);
        var (session, perCommand) = Drive(5);
        using var writer = Writer(foldRows: 1_000_000);
        await writer.StartAsync(CancellationToken.None);
        await writer.Enqueue(new CreateSessionOp(Row(1), [], []));
        for (var i = 0; i < 5; i++)
        {
            await writer.Enqueue(new AppendOp(1, i, [session.Commands[i]], perCommand[i]));
        }
        Assert.Equal(5, Scalar("SELECT COUNT(*) FROM Journal"));
        using (var connection = new SqliteConnection(ConnectionString))
        {
            connection.Open();
            Assert.Equal(1, TraceJournal.FoldChunk(connection, maxRows: 4, maxBytes: 1)); // over budget from the first row: one row
            Assert.Equal(3, TraceJournal.FoldChunk(connection, maxRows: 3, maxBytes: 1 << 20));
            Assert.Equal(1, Scalar("SELECT COUNT(*) FROM Journal"));
            Assert.Equal(4, Scalar("SELECT COUNT(*) FROM Commands"));
            await AssertStored(1, session); // part folded, part in the journal: one log
            Assert.Equal(1, TraceJournal.FoldChunk(connection, maxRows: 3, maxBytes: 1 << 20));
            Assert.Equal(0, TraceJournal.FoldChunk(connection, maxRows: 3, maxBytes: 1 << 20));
        }
        await AssertStored(1, session);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_long_send_skips_the_journal_and_the_log_still_reads_in_order()
    {
        await Store().MigrateAsync(CancellationToken.None);
        var session = LabSession.Create(new SessionConfig { Profile = "linux", Seed = 3 });
        var perCommand = new List<IReadOnlyList<LabEvent>>();
        LabCommand[] script =
        [
            new EndpointCommand(EndpointRole.Server, EndpointAction.Listen), new EndpointCommand(EndpointRole.Client, EndpointAction.Connect),
            new RunCommand(), new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[64 * 1024]), new StepCommand(), new StepCommand(),
        ];
        foreach (var command in script)
        {
            var result = session.Execute(command);
            Assert.Null(result.Error);
            perCommand.Add(result.Events);
        }
        using var writer = Writer(foldRows: 1_000_000);
        await writer.StartAsync(CancellationToken.None);
        await writer.Enqueue(new CreateSessionOp(Row(1), [], []));
        for (var i = 0; i < script.Length; i++)
        {
            await writer.Enqueue(new AppendOp(1, i, [session.Commands[i]], perCommand[i]));
        }
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM Commands")); // the send, written where a fold would put it
        Assert.Equal(3, Scalar("SELECT Seq FROM Commands"));
        Assert.Equal(script.Length - 1, Scalar("SELECT COUNT(*) FROM Journal WHERE Seq IS NOT NULL"));
        Assert.Equal(script.Length, Scalar("SELECT COUNT(*) FROM Journal WHERE Idx IS NOT NULL")); // its events stay in the journal
        await AssertStored(1, session);
        await writer.StopAsync(CancellationToken.None);
        Assert.Equal(script.Length, Scalar("SELECT COUNT(*) FROM Commands"));
        await AssertStored(1, session);
    }

    [Fact]
    public async Task Committed_pages_reach_the_database_file_through_the_background_checkpoint()
    {
        await Store().MigrateAsync(CancellationToken.None);
        SqliteConnection.ClearAllPools(); // the migration's connection closed: the file holds the schema, the WAL nothing
        var before = new FileInfo(_path).Length;
        using var writer = Writer(foldRows: 1_000_000);
        await writer.StartAsync(CancellationToken.None);
        var (session, perCommand) = Drive(200);
        await writer.Enqueue(new CreateSessionOp(Row(1), [], []));
        for (var i = 0; i < 200; i++)
        {
            await writer.Enqueue(new AppendOp(1, i, [session.Commands[i]], perCommand[i]));
        }
        // The writer's own connection checkpoints only past WalCheckpointPages (8,192), far beyond these few hundred:
        // only the background checkpoint can have copied these pages into the file while it runs.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (new FileInfo(_path).Length <= before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.True(new FileInfo(_path).Length > before, $"the database file stayed at {before} bytes");
        await AssertStored(1, session);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_quiet_writer_folds_its_journal()
    {
        await Store().MigrateAsync(CancellationToken.None);
        using var writer = Writer(foldRows: 1_000_000, foldIdleMs: 50);
        await writer.StartAsync(CancellationToken.None);
        var (session, _) = Drive(3);
        await writer.Enqueue(new CreateSessionOp(Row(1), session.Commands, session.Events));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Scalar("SELECT COUNT(*) FROM Journal") > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM Journal"));
        Assert.Equal(3, Scalar("SELECT COUNT(*) FROM Commands"));
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM Events")); // one chunk: the create's events
        await AssertStored(1, session);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task One_batch_of_many_writes_keeps_its_order_across_multi_row_inserts_rewinds_and_deletes()
    {
        await Store().MigrateAsync(CancellationToken.None);
        using var writer = Writer(foldRows: 1_000_000);
        var (a, aEvents) = Drive(100);
        var (b, bEvents) = Drive(5);
        // Queued before the writer starts: they are taken as one batch (WriteBatchSize 2000 rows), whose journal rows
        // go out as INSERTs of 64, 32, 4 … rows, split by the rewind's and the delete's deletes.
        var writes = new List<Task> { writer.Enqueue(new CreateSessionOp(Row(1), [], [])), writer.Enqueue(new CreateSessionOp(Row(2), [], [])) };
        for (var i = 0; i < 100; i++)
        {
            writes.Add(writer.Enqueue(new AppendOp(1, i, [a.Commands[i]], aEvents[i])));
        }
        for (var i = 0; i < 5; i++)
        {
            writes.Add(writer.Enqueue(new AppendOp(2, i, [b.Commands[i]], bEvents[i])));
        }
        Assert.Null(a.TryRewind(a.StepCount / 2, out var rewound));
        writes.Add(writer.Enqueue(new ReplaceOp(1, rewound!.Commands.ToList(), rewound.Events.ToList())));
        writes.Add(writer.Enqueue(new DeleteOp(2)));
        var more = rewound.Execute(new StepCommand());
        Assert.Null(more.Error);
        writes.Add(writer.Enqueue(new AppendOp(1, rewound.Commands.Count - 1, [rewound.Commands[^1]], more.Events)));
        await writer.StartAsync(CancellationToken.None);
        await Task.WhenAll(writes);

        await AssertStored(1, rewound);
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM Journal WHERE SessionKey = 2"));
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM Sessions WHERE Key = 2"));
        await writer.StopAsync(CancellationToken.None);
        await AssertStored(1, rewound);
    }

    [Fact]
    public async Task A_journal_left_by_a_killed_writer_is_folded_at_start_up_and_read_meanwhile()
    {
        await Store().MigrateAsync(CancellationToken.None);
        var (session, _) = Drive(4);
        using (var c = new SqliteConnection(ConnectionString))
        {
            c.Open();
            using var insert = c.CreateCommand();
            insert.CommandText = "INSERT INTO Sessions (Key, Id, Name, Owner, TokenHash, ConfigJson, CreatedAtMs) VALUES (1, 's1', 'test', '', x'', '{}', 0);";
            insert.ExecuteNonQuery();
            // What a SIGKILL between a commit and the next fold leaves: rows only in the journal.
            insert.CommandText = "INSERT INTO Journal (SessionKey, Seq, Json, Idx, Data) VALUES (1, $s, $j, $i, $d)";
            var (s, j, i, d) = (insert.Parameters.Add("$s", SqliteType.Integer), insert.Parameters.Add("$j", SqliteType.Text),
                insert.Parameters.Add("$i", SqliteType.Integer), insert.Parameters.Add("$d", SqliteType.Blob));
            for (var n = 0; n < session.Commands.Count; n++)
            {
                (s.Value, j.Value) = (n, CommandCodec.Serialize(session.Commands[n]));
                var last = n == session.Commands.Count - 1;
                i.Value = last ? 0L : DBNull.Value;
                d.Value = last ? EventChunk.Encode(session.Events) : DBNull.Value;
                insert.ExecuteNonQuery();
            }
        }
        await AssertStored(1, session); // before the fold: read from the journal
        await Store().MigrateAsync(CancellationToken.None);
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM Journal"));
        Assert.Equal(4, Scalar("SELECT COUNT(*) FROM Commands"));
        await AssertStored(1, session);
    }

    [Fact]
    public async Task A_database_from_before_the_journal_upgrades_and_keeps_its_sessions()
    {
        var options = new DbContextOptionsBuilder<LabDb>().UseSqlite(ConnectionString).Options;
        var (session, _) = Drive(3);
        await using (var db = new LabDb(options))
        {
            await db.GetService<IMigrator>().MigrateAsync("Workshops"); // the schema before the Journal migration
            // In that schema's own columns: today's model has more (EngineRevision).
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO Sessions (Key, Id, Name, Owner, TokenHash, ConfigJson, CreatedAtMs) VALUES (1, 's1', 'test', '', X'', '{{}}', 0);");
            for (var n = 0; n < session.Commands.Count; n++)
            {
                db.Commands.Add(new CommandRow { SessionKey = 1, Seq = n, Json = CommandCodec.Serialize(session.Commands[n]) });
            }
            db.Events.Add(new EventRow { SessionKey = 1, Idx = 0, Data = EventChunk.Encode(session.Events) });
            await db.SaveChangesAsync();
        }
        await Store().MigrateAsync(CancellationToken.None);
        await AssertStored(1, session);
        await using (var db = new LabDb(options))
        {
            // Recorded before engine revisions were kept: by revision 1.
            Assert.Equal(1, await db.Sessions.Where(r => r.Key == 1).Select(r => r.EngineRevision).SingleAsync());
        }
        using var writer = Writer();
        await writer.StartAsync(CancellationToken.None);
        var more = session.Execute(new StepCommand());
        await writer.Enqueue(new AppendOp(1, session.Commands.Count - 1, [session.Commands[^1]], more.Events));
        await AssertStored(1, session);
        await writer.StopAsync(CancellationToken.None);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_path + suffix);
        }
    }
}
