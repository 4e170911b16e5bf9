using System.Text.Json.Nodes;
using ConnLab.Server.Sessions;
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
