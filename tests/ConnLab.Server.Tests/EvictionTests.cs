using ConnLab.Server.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Server.Tests;

public sealed class EvictionTests : IDisposable
{
    private readonly LabFactory _factory = new(settings: new() { ["ConnLab:IdleTtlMinutes"] = "0" });

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task An_evicted_session_reloads_from_the_store_unchanged_on_its_next_use()
    {
        var lab = _factory.Lab();
        await lab.Create(new { scenario = "lost-syn", profile = "linux" });
        await lab.Ok("/run");
        var before = LabClient.Json(await lab.Get());
        var service = _factory.Services.GetRequiredService<LabService>();
        Assert.Equal(1, await service.EvictIdleAsync(CancellationToken.None));
        Assert.False(service.List("", admin: true).Single(h => h.Id == lab.Id).IsLoaded);
        Assert.Equal(before, LabClient.Json(await lab.Get()));
        var step = await lab.Ok("/advance", new { ms = 1000 });
        Assert.Equal("ESTABLISHED", LabClient.State(step, "client"));
    }
}
