namespace ConnLab.Server.Tests;

public sealed class ConcurrencyTests : IDisposable
{
    private readonly LabFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Parallel_commands_on_one_session_give_a_gap_free_trace()
    {
        var lab = _factory.Lab();
        await lab.Create(new { link = new { lossRate = 0.1 }, seed = 3 });
        await lab.Ok("/endpoints/server/listen");
        await lab.Ok("/endpoints/client/connect");
        var tasks = Enumerable.Range(0, 40).Select(i => i % 4 == 0
            ? lab.Post("/endpoints/client/send", new { data = $"chunk {i}" })
            : lab.Post("/step")).ToList();
        var responses = await Task.WhenAll(tasks);
        Assert.All(responses, r => Assert.True((int)r.StatusCode is 200 or 409, $"unexpected {(int)r.StatusCode}"));
        var page = await lab.Get("/events?limit=1000");
        var indexes = page["events"]!.AsArray().Select(e => e!["index"]!.GetValue<long>()).ToList();
        Assert.Equal(Enumerable.Range(0, indexes.Count).Select(i => (long)i), indexes);
        Assert.Equal(page["total"]!.GetValue<long>(), indexes.Count);
    }

    [Fact]
    public async Task Sessions_run_in_parallel_without_blocking_each_other()
    {
        var labs = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var lab = _factory.Lab();
            await lab.Create(new { scenario = "handshake" });
            return lab;
        }));
        var results = await Task.WhenAll(labs.Select(l => l.Ok("/run")));
        Assert.All(results, r => Assert.Equal("ESTABLISHED", LabClient.State(r, "server")));
        Assert.Equal(8, labs.Select(l => l.Id).Distinct().Count());
    }
}
