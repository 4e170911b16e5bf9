using ConnLab.Engine.Lab;
using System.Text.Json.Nodes;
using ConnLab.Server.Sessions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Server.Tests;

public sealed class PersistenceTests
{
    private static async Task<(string Id, string Token, string Snapshot, string Events)> Drive(LabFactory factory)
    {
        var lab = factory.Lab();
        await lab.Create(new { profile = "linux", seed = 9, link = new { lossRate = 0.2, delayMs = 5 } });
        await lab.Ok("/endpoints/server/listen");
        await lab.Ok("/endpoints/client/connect");
        await lab.Ok("/run", new { maxSteps = 200 });
        await lab.Ok("/endpoints/client/send", new { data = "persist me across a restart" });
        await lab.Ok("/run", new { maxSteps = 200 });
        await lab.Ok("/endpoints/client/close");
        await lab.Ok("/step", new { count = 2 });
        return (lab.Id, lab.Token, await Snapshot(factory, lab.Id), await AllEvents(factory, lab.Id));
    }

    private static async Task<string> Snapshot(LabFactory factory, string id) =>
        await factory.CreateClient().GetStringAsync($"/api/sessions/{id}");

    private static async Task<string> AllEvents(LabFactory factory, string id)
    {
        var http = factory.CreateClient();
        var all = new JsonArray();
        for (long from = 0; ; )
        {
            var page = JsonNode.Parse(await http.GetStringAsync($"/api/sessions/{id}/events?from={from}&limit=1000"))!;
            foreach (var e in page["events"]!.AsArray())
            {
                all.Add(e!.DeepClone());
            }
            from = page["next"]!.GetValue<long>();
            if (from >= page["total"]!.GetValue<long>())
            {
                return all.ToJsonString();
            }
        }
    }

    /// <summary>One value read from the store's file, by another connection.</summary>
    private static long Scalar(string path, string sql)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var read = db.CreateCommand();
        read.CommandText = sql;
        return (long)read.ExecuteScalar()!;
    }

    /// <summary>
    /// What an engine change (or a damaged file) leaves: the stored trace short of what the log replays to. A row holds
    /// one command's events from index Idx on; returns the first index cut.
    /// </summary>
    private static long CutLastStoredChunk(string path)
    {
        var cutAt = Scalar(path, "SELECT MAX(Idx) FROM Events;");
        Assert.Equal(0, Scalar(path, "DELETE FROM Events WHERE Idx = (SELECT MAX(Idx) FROM Events); SELECT changes() - 1;"));
        return cutAt;
    }

    /// <summary>A store file holding one session driven by <see cref="Drive"/>, its server stopped.</summary>
    private static async Task<(string Path, string Id, string Token)> StoredSession(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"connlab-{name}-{Guid.NewGuid():N}.db");
        using var first = new LabFactory(path);
        var (id, token, _, _) = await Drive(first);
        return (path, id, token);
    }

    private static long StoredRevision(string path, string id) => Scalar(path, $"SELECT EngineRevision FROM Sessions WHERE Id = '{id}';");

    /// <summary>As if the engine revision before this one had recorded the store's only session.</summary>
    private static void RecordedByThePreviousEngine(string path) =>
        Assert.Equal(1, Scalar(path, $"UPDATE Sessions SET EngineRevision = {LabSession.EngineRevision - 1}; SELECT changes();"));

    [Fact]
    public async Task A_restarted_server_restores_the_same_snapshot_and_events_byte_for_byte()
    {
        var path = Path.Combine(Path.GetTempPath(), $"connlab-restart-{Guid.NewGuid():N}.db");
        string id, token, snapshot, events;
        using (var first = new LabFactory(path))
        {
            (id, token, snapshot, events) = await Drive(first);
        }
        using var second = new LabFactory(path);
        Assert.Equal(snapshot, await Snapshot(second, id));
        Assert.Equal(events, await AllEvents(second, id));
        var lab = second.Lab();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{id}/step");
        request.Headers.Authorization = new("Bearer", token);
        Assert.True((await lab.Http.SendAsync(request)).IsSuccessStatusCode, "the old token still controls the restored session");
    }

    [Fact]
    public async Task A_crash_loses_no_acknowledged_command()
    {
        // A copy of the database files taken while the server runs is what a SIGKILL leaves behind: every command
        // answered before the copy must be in it, because durable writes answer only after the group commit.
        var path = Path.Combine(Path.GetTempPath(), $"connlab-crash-{Guid.NewGuid():N}.db");
        var crashed = Path.Combine(Path.GetTempPath(), $"connlab-crashed-{Guid.NewGuid():N}.db");
        using var live = new LabFactory(path);
        var (id, _, snapshot, events) = await Drive(live);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(path + suffix))
            {
                File.Copy(path + suffix, crashed + suffix);
            }
        }
        using var restarted = new LabFactory(crashed);
        Assert.Equal(events, await AllEvents(restarted, id));
        Assert.Equal(snapshot, await Snapshot(restarted, id));
    }

    [Fact]
    public async Task A_session_whose_replay_differs_from_its_stored_trace_is_marked_read_only_until_rewound_and_can_be_forked()
    {
        var (path, id, token) = await StoredSession("mismatch");
        long StoredRows() => Scalar(path, "SELECT (SELECT COUNT(*) FROM Events) + (SELECT COUNT(*) FROM Journal) + (SELECT COUNT(*) FROM Commands);");
        var cutAt = CutLastStoredChunk(path);
        var rows = StoredRows();

        using (var second = new LabFactory(path))
        {
            var lab = second.Lab().Attach(id, token);
            var snapshot = await lab.Get();
            Assert.Equal($"the replayed trace differs from the stored one at event {cutAt}", snapshot["problem"]!.GetValue<string>());
            var refused = await lab.Problem(await lab.Post("/step", new { count = 1 }), 403);
            Assert.Equal("https://connlab.dev/problems/session-read-only", refused["type"]!.GetValue<string>());
            Assert.Contains("rewind it", refused["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            await lab.Problem(await lab.Post("/live", new { speed = 1 }), 403); // live mode would only be refused at its first tick
            Assert.Equal(rows, StoredRows()); // refused: nothing appended after rows it disagrees with

            // A fork starts a new session from the replay and may go on at once.
            var fork = await lab.Ok("/fork", new { atStep = snapshot["step"]!.GetValue<long>() });
            var forked = second.Lab().Attach(fork["session"]!["id"]!.GetValue<string>(), fork["token"]!.GetValue<string>());
            await forked.Ok("/step", new { count = 1 });

            // Rewinding rewrites the stored trace from the replay: the session is whole again, and stays so on restart.
            var rewound = await lab.Ok("/rewind", new { toStep = 3 });
            Assert.Null(rewound["session"]!["problem"]);
            await lab.Ok("/step", new { count = 1 });
        }
        using var third = new LabFactory(path);
        Assert.Null((await third.Lab().Attach(id, token).Get())["problem"]);
    }

    [Fact]
    public async Task A_session_recorded_by_an_older_engine_says_so_when_its_replay_differs_and_a_rewind_records_it_as_this_engine()
    {
        var (path, id, token) = await StoredSession("revision");
        Assert.Equal(LabSession.EngineRevision, StoredRevision(path, id));
        // As if an earlier engine had recorded a trace this one replays differently.
        RecordedByThePreviousEngine(path);
        var cutAt = CutLastStoredChunk(path);
        using (var second = new LabFactory(path))
        {
            var lab = second.Lab().Attach(id, token);
            Assert.Equal(
                $"the replayed trace differs from the stored one at event {cutAt}: engine revision {LabSession.EngineRevision - 1} recorded or last verified it, "
                + $"and this server's engine (revision {LabSession.EngineRevision}) has corrections since",
                (await lab.Get())["problem"]!.GetValue<string>());
            await lab.Ok("/rewind", new { toStep = 2 });
        }
        Assert.Equal(LabSession.EngineRevision, StoredRevision(path, id));
        using var third = new LabFactory(path);
        Assert.Null((await third.Lab().Attach(id, token).Get())["problem"]);
    }

    [Fact]
    public async Task A_restore_that_replays_an_older_engines_trace_identically_records_this_engine_and_a_mismatch_does_not()
    {
        var (path, id, token) = await StoredSession("verified");

        RecordedByThePreviousEngine(path);
        using (var second = new LabFactory(path))
        {
            Assert.Null((await second.Lab().Attach(id, token).Get())["problem"]);
        }
        Assert.Equal(LabSession.EngineRevision, StoredRevision(path, id)); // this engine reproduced it: a later mismatch names this one

        RecordedByThePreviousEngine(path);
        CutLastStoredChunk(path);
        using (var third = new LabFactory(path))
        {
            Assert.NotNull((await third.Lab().Attach(id, token).Get())["problem"]);
        }
        Assert.Equal(LabSession.EngineRevision - 1, StoredRevision(path, id)); // marked, not verified: the number stays as evidence
    }

    [Fact]
    public async Task Deleted_sessions_do_not_come_back_after_a_restart()
    {
        var path = Path.Combine(Path.GetTempPath(), $"connlab-delete-{Guid.NewGuid():N}.db");
        string id;
        using (var first = new LabFactory(path))
        {
            var lab = first.Lab();
            await lab.Create(new { scenario = "handshake" });
            id = lab.Id;
            var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/sessions/{id}");
            delete.Headers.Authorization = new("Bearer", lab.Token);
            Assert.True((await lab.Http.SendAsync(delete)).IsSuccessStatusCode);
        }
        using var second = new LabFactory(path);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await second.CreateClient().GetAsync($"/api/sessions/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_session_requested_before_its_restore_replay_is_served_as_it_was()
    {
        // With the background preload off, a restarted session stays unreplayed until its first request: that request
        // (reads, the trace, a command with the old token) must see exactly what the first server had, never a 404.
        var path = Path.Combine(Path.GetTempPath(), $"connlab-lazy-{Guid.NewGuid():N}.db");
        string id, token, snapshot, events;
        using (var first = new LabFactory(path))
        {
            (id, token, snapshot, events) = await Drive(first);
        }
        using var second = new LabFactory(path, new() { ["ConnLab:PreloadStoredSessions"] = "false" });
        var service = second.Services.GetRequiredService<LabService>();
        Assert.False(service.Find(id)!.IsLoaded, "not replayed before its first use");
        var reads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Snapshot(second, id))); // concurrent first uses replay it once
        Assert.All(reads, read => Assert.Equal(snapshot, read));
        Assert.Equal(events, await AllEvents(second, id));
        var lab = second.Lab().Attach(id, token);
        await lab.Ok("/step", new { count = 1 });
        Assert.Null(service.Find(id)!.Problem);
    }

    [Fact]
    public async Task Restored_sessions_are_replayed_in_the_background_after_start()
    {
        var path = Path.Combine(Path.GetTempPath(), $"connlab-preload-{Guid.NewGuid():N}.db");
        var ids = new List<string>();
        using (var first = new LabFactory(path))
        {
            for (var i = 0; i < 3; i++)
            {
                ids.Add((await Drive(first)).Id);
            }
        }
        using var second = new LabFactory(path);
        _ = second.CreateClient(); // starts the server
        var service = second.Services.GetRequiredService<LabService>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!ids.All(id => service.Find(id)!.IsLoaded) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.All(ids, id => Assert.True(service.Find(id)!.IsLoaded && service.Find(id)!.Problem is null, id));
    }
}
