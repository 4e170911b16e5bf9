using System.Net.Http.Json;
using System.Text;

namespace ConnLab.Server.Tests.BadInput;

/// <summary>Tests that measure the whole process's managed heap, so no other test may allocate beside them.</summary>
[CollectionDefinition(nameof(HeapMeasurements), DisableParallelization = true)]
public sealed class HeapMeasurements;

/// <summary>A flood of refused requests from one client: the memory it leaves behind is bounded.</summary>
[Collection(nameof(HeapMeasurements))]
public sealed class RefusedFloodMemoryTests
{
    [Fact]
    public async Task A_flood_of_refused_requests_leaves_memory_and_sessions_bounded()
    {
        using var server = new KestrelLab(new()
        {
            ["ConnLab:RequestsPerMinutePerClient"] = "200",
            ["ConnLab:MaxSessionsPerClient"] = "1",
        });
        using var attacker = server.Client("127.0.0.3");
        var (id, token) = await KestrelLab.Create(attacker, new { scenario = "handshake" });
        attacker.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var junk = new StringContent("{\"count\": " + new string('9', 60_000) + "}", Encoding.UTF8, "application/json");
        async Task Flood(int requests)
        {
            for (var i = 0; i < requests; i++)
            {
                using var response = (i % 4) switch
                {
                    0 => await attacker.PostAsync($"/api/sessions/{id}/step", junk),
                    1 => await attacker.PostAsJsonAsync("/api/sessions", new { }),
                    2 => await attacker.PostAsync($"/api/sessions/{id}/rewind", JsonContent.Create(new { toStep = long.MaxValue })),
                    _ => await attacker.GetAsync("/api/sessions/nosuchsession"),
                };
                Assert.True((int)response.StatusCode >= 400, $"request {i} was served: {(int)response.StatusCode}");
                await response.Content.ReadAsByteArrayAsync();
            }
        }
        await Flood(400); // warm-up: JIT, pools, the limiter's partition
        var before = GC.GetTotalMemory(forceFullCollection: true);
        await Flood(2000);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - before < 16 * 1024 * 1024, $"the managed heap grew by {(after - before) / 1024} KiB over 2000 refused requests");
        Assert.Equal(1, server.SessionCount);
        Assert.Equal(6, server.Lab.Find(id)!.Session.Events.Count);
    }
}
