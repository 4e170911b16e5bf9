using Xunit.Abstractions;

namespace ConnLab.Reliability.Tests;

/// <summary>A Prometheus path on one of ConnLab's own routes stops the start with one line that says what to change.</summary>
public sealed class MetricsPathTakenTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"connlab-metrics-path-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task A_metrics_path_on_the_health_check_stops_the_server_with_exit_code_1_and_a_line_naming_both()
    {
        using var server = ServerProcess.Start($"Data Source={_db}", new Dictionary<string, string> { ["ConnLab__MetricsPath"] = "/healthz" });

        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        output.WriteLine(server.LogTail);
        Assert.True(exit == 1, $"exit code {exit?.ToString() ?? "none: still running"}:\n{server.LogTail}");
        Assert.Contains("ConnLab cannot start: ConnLab:MetricsPath /healthz is the health check (/healthz). Choose another path",
            server.LogTail, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", server.LogTail, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_db + suffix);
        }
    }
}
