using System.Net.Http.Json;

namespace ConnLab.Reliability.Tests;

/// <summary>
/// The configuration's reload-on-change must not watch the content root's tree with inotify: the default trace store
/// (connlab.db and its WAL) lives there, and each WAL write would be an event for the server to read and discard.
/// </summary>
public sealed class FileWatchTests : IDisposable
{
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"connlab-watch-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task The_server_holds_no_inotify_watch_while_it_serves()
    {
        using var server = ServerProcess.Start($"Data Source={_db}");
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        using var created = await server.Http.PostAsJsonAsync("/api/sessions", new { scenario = "handshake" });
        Assert.Equal(201, (int)created.StatusCode);

        var watches = Directory.GetFiles($"/proc/{server.ProcessId}/fdinfo")
            .Sum(fd =>
            {
                try
                {
                    return File.ReadLines(fd).Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal));
                }
                catch (IOException)
                {
                    return 0; // a descriptor closed while we looked
                }
            });
        Assert.Equal(0, watches);
    }

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_db + suffix);
        }
    }
}
