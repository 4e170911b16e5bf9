namespace ConnLab.Server.Tests;

public sealed class LiveModeTests : IDisposable
{
    private readonly LabFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task A_live_session_plays_on_by_itself_and_pauses_at_speed_zero()
    {
        var lab = _factory.Lab();
        await lab.Create(new { scenario = "lost-syn" });
        var live = await lab.Ok("/live", new { speed = 20 });
        Assert.Equal(20, live["session"]!["liveSpeed"]!.GetValue<double>());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (LabClient.State(await lab.Get(), "client") != "ESTABLISHED" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50); // the SYN's 1 s retransmission timer takes 50 ms of real time at 20×
        }
        Assert.Equal("ESTABLISHED", LabClient.State(await lab.Get(), "client"));

        var paused = await lab.Ok("/live", new { speed = 0 });
        Assert.Null(paused["session"]!["liveSpeed"]);
        var t1 = (await lab.Get())["timeMs"]!.GetValue<double>();
        await Task.Delay(300);
        Assert.Equal(t1, (await lab.Get())["timeMs"]!.GetValue<double>());
        var events = await lab.Get("/events?limit=1000");
        var indexes = events["events"]!.AsArray().Select(e => e!["index"]!.GetValue<long>()).ToList();
        Assert.Equal(Enumerable.Range(0, indexes.Count).Select(i => (long)i), indexes);
    }

    [Fact]
    public async Task Live_needs_the_token_and_a_sane_speed()
    {
        var lab = _factory.Lab();
        await lab.Create();
        await lab.Problem(await lab.Post("/live", new { speed = 2 }, token: "forged"), 403);
        var problem = await lab.Problem(await lab.Post("/live", new { speed = 5000 }), 400);
        Assert.Equal("speed", problem["field"]!.GetValue<string>());
    }
}
