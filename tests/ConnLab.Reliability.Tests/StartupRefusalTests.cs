using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace ConnLab.Reliability.Tests;

/// <summary>
/// Settings the server cannot start with — a port another program holds (most often a ConnLab started earlier), a
/// metrics path on one of its own routes — stop the start with exit code 1 and one line that says what to change.
/// </summary>
public sealed class StartupRefusalTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"connlab-refusal-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task A_port_in_use_stops_the_server_with_exit_code_1_and_a_line_naming_the_address_and_the_setting()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)holder.LocalEndpoint).Port}";
        using var server = ServerProcess.Start($"Data Source={_db}", new Dictionary<string, string> { ["Kestrel__Endpoints__Http__Url"] = url });
        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine(server.LogTail);
        Assert.True(exit == 1, $"exit code {exit?.ToString() ?? "none: still running"}:\n{server.LogTail}");
        Assert.Contains($"ConnLab cannot start: Failed to bind to address {url}: address already in use. Another program", server.LogTail, StringComparison.Ordinal);
        Assert.Contains("--Kestrel:Endpoints:Http:Url=", server.LogTail, StringComparison.Ordinal);
        Assert.DoesNotContain("BackgroundService has thrown", server.LogTail, StringComparison.Ordinal); // no false alarm on the way out
    }

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
