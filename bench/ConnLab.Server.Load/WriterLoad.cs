using ConnLab.Bench;
using System.Diagnostics;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Server.Persistence;
using ConnLab.Server.Sessions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ConnLab.Server.Load;

/// <summary>
/// The trace writer (64 sessions, each awaiting durability of every command before its next, as the server does)
/// beside a raw prepared-insert loop (one transaction per 1,000 rows) writing the same rows into the same schema.
/// </summary>
internal static class WriterLoad
{
    private const int Sessions = 64;
    private const int EventsPerCommand = 4; // a step delivers a segment: delivered, state or timer, sent, …

    public static async Task RunAsync(int rows)
    {
        var trace = Trace(EventsPerCommand * 4096);
        var perSession = rows / Sessions / 2;
        Console.WriteLine($"Trace writer: {Sessions} sessions × {perSession} commands of {EventsPerCommand} events " +
            $"({perSession * Sessions * EventsPerCommand:N0} events, {rows:N0} rows), after an untimed eighth of it");
        // Warm-up: both loops once, untimed, so that neither is measured while the JIT compiles it (a run takes ~3 s,
        // and the tiered compiler took a fifth of the CPU of a cold one, most of it during the writer's turn).
        await MeasureAsync(trace, perSession / 8);
        var (rawRate, writerRate, bytesPerEvent) = await MeasureAsync(trace, perSession);

        BenchReport.Add("raw prepared inserts, same rows, 1,000 per transaction (baseline)", $"{rawRate:N0} events/s");
        BenchReport.Add("trace writer, group-committed", $"{writerRate:N0} events/s", "≥ 50 % of raw", $"{writerRate / rawRate:P0} of raw", writerRate / rawRate >= 0.5);
        BenchReport.Add("on disk per event (events + commands + indexes)", $"{bytesPerEvent:0} bytes", "≤ 100 bytes", "—", bytesPerEvent <= 100);
    }

    /// <summary>The raw loop, then the writer, each writing <paramref name="perSession"/> commands for every session into a new database.</summary>
    private static async Task<(double Raw, double Writer, double BytesPerEvent)> MeasureAsync(List<LabEvent> trace, int perSession)
    {
        var command = new CommandRecord(0, new StepCommand(), 1);
        var commandJson = CommandCodec.Serialize(command);
        var total = perSession * Sessions * EventsPerCommand; // events written
        var rawDb = NewDatabase("raw", out var rawCs);
        var raw = Stopwatch.StartNew();
        await using (var c = new SqliteConnection(rawCs))
        {
            await c.OpenAsync();
            var tx = c.BeginTransaction();
            using var ev = c.CreateCommand();
            ev.CommandText = "INSERT INTO Events (SessionKey, Idx, Data) VALUES ($k, $i, $d)";
            var (ek, ei, ed) = (ev.Parameters.Add("$k", SqliteType.Integer), ev.Parameters.Add("$i", SqliteType.Integer), ev.Parameters.Add("$d", SqliteType.Blob));
            using var cm = c.CreateCommand();
            cm.CommandText = "INSERT INTO Commands (SessionKey, Seq, Json) VALUES ($k, $s, $j)";
            var (ck, cs, cj) = (cm.Parameters.Add("$k", SqliteType.Integer), cm.Parameters.Add("$s", SqliteType.Integer), cm.Parameters.Add("$j", SqliteType.Text));
            var inTx = 0;
            for (var s = 1; s <= Sessions; s++)
            {
                for (var n = 0; n < perSession; n++)
                {
                    ev.Transaction = cm.Transaction = tx;
                    (ck.Value, cs.Value, cj.Value) = (s, n, commandJson);
                    cm.ExecuteNonQuery();
                    var events = new LabEvent[EventsPerCommand];
                    for (var e = 0; e < EventsPerCommand; e++)
                    {
                        events[e] = trace[((n * EventsPerCommand) + e) % trace.Count];
                    }
                    (ek.Value, ei.Value, ed.Value) = (s, n * EventsPerCommand, EventChunk.Encode(events));
                    ev.ExecuteNonQuery();
                    if ((inTx += 2) >= 1000)
                    {
                        tx.Commit();
                        tx = c.BeginTransaction();
                        inTx = 0;
                    }
                }
            }
            tx.Commit();
        }
        var rawRate = total / raw.Elapsed.TotalSeconds;

        var writerDb = NewDatabase("writer", out var writerCs);
        var writer = NewWriter(writerCs);
        await writer.StartAsync(CancellationToken.None);
        var timed = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(1, Sessions).Select(async s =>
        {
            for (var n = 0; n < perSession; n++)
            {
                var events = new LabEvent[EventsPerCommand];
                for (var e = 0; e < EventsPerCommand; e++)
                {
                    events[e] = trace[((n * EventsPerCommand) + e) % trace.Count] with { Index = (n * EventsPerCommand) + e };
                }
                await writer.Enqueue(new AppendOp(s, n, [command], events));
            }
        }));
        // Stopping drains the writer, folding what is left in its journal: deferred work is counted, not left out.
        await writer.StopAsync(CancellationToken.None);
        var writerRate = total / timed.Elapsed.TotalSeconds;
        await using (var c = new SqliteConnection(writerCs))
        {
            await c.OpenAsync();
            using var checkpoint = c.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await checkpoint.ExecuteNonQueryAsync(); // the WAL holds page versions, not data: measure the database itself
        }
        SqliteConnection.ClearAllPools();
        var bytesPerEvent = (double)FileBytes(writerDb) / (perSession * Sessions * EventsPerCommand);

        foreach (var path in new[] { rawDb, writerDb })
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
        }
        return (rawRate, writerRate, bytesPerEvent);
    }

    private static List<LabEvent> Trace(int events)
    {
        var s = LabSession.Create(new SessionConfig { Profile = "linux", Link = new LinkConfig { LossRate = 0.02 } });
        s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
        while (s.Events.Count < events)
        {
            s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[50_000]));
            s.Execute(new RunCommand(MaxSteps: 5000));
        }
        return s.Events.ToList();
    }

    private static string NewDatabase(string name, out string connectionString)
    {
        var path = Path.Combine(Path.GetTempPath(), $"connlab-writer-{name}-{Environment.ProcessId}.db");
        connectionString = $"Data Source={path}";
        using (var db = new LabDb(new DbContextOptionsBuilder<LabDb>().UseSqlite(connectionString).Options))
        {
            db.Database.Migrate();
            db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
            for (var s = 1; s <= Sessions; s++)
            {
                db.Sessions.Add(new SessionRow { Key = s, Id = $"s{s}", ConfigJson = "{}" });
            }
            db.SaveChanges();
        }
        return path;
    }

    private static TraceWriter NewWriter(string connectionString)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:ConnLab"] = connectionString }).Build();
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        return new TraceWriter(configuration, Options.Create(new LabOptions()), NullLogger<TraceWriter>.Instance, new LabMetrics(meters));
    }

    private static readonly string[] DataFiles = ["", "-wal"];

    private static long FileBytes(string path) =>
        DataFiles.Select(s => path + s).Where(File.Exists).Sum(p => new FileInfo(p).Length);
}
