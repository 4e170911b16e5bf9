using ConnLab.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Dashboard.Tests;

/// <summary>
/// The real server on Kestrel at free 127.0.0.1 ports (HTTP/1.1 for the page, REST and SignalR WebSockets; the gRPC
/// endpoint too, since the app binds it), with its own SQLite file. Shared by the browser scenarios: each creates
/// its own session.
/// </summary>
public sealed class DashboardServer : IDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"connlab-dash-{Guid.NewGuid():N}.db");

    public DashboardServer()
    {
        var http = $"http://127.0.0.1:{FreePorts.Next()}";
        var grpc = $"http://127.0.0.1:{FreePorts.Next()}";
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("ConnectionStrings:ConnLab", $"Data Source={_database}");
            b.UseSetting("ConnLab:RequestsPerMinutePerClient", "100000");
            b.UseSetting("Kestrel:Endpoints:Http:Url", http);
            b.UseSetting("Kestrel:Endpoints:Grpc:Url", grpc);
            b.UseSetting("Kestrel:Endpoints:Grpc:Protocols", "Http2");
            b.UseEnvironment("Testing");
        });
        _factory.UseKestrel();
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Assert.Contains(http, addresses);
        BaseUrl = http;
    }

    public string BaseUrl { get; }

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _factory.Services;

    public void Dispose()
    {
        _factory.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_database + suffix);
        }
    }
}
