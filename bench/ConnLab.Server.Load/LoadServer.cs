using System.Net;
using System.Net.Sockets;
using ConnLab.Server.Hosting;

namespace ConnLab.Server.Load;

/// <summary>A ConnLab server in this process, on its own temporary database and loopback ports, with load-test limits.</summary>
internal sealed class LoadServer : IAsyncDisposable
{
    private readonly string _db;

    private LoadServer(WebApplication app, string db, string http, string grpc)
    {
        _db = db;
        App = app;
        Http = http;
        Grpc = grpc;
    }

    public WebApplication App { get; }
    public string Http { get; }
    public string Grpc { get; }

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<LoadServer> StartAsync(bool durable, Action<WebApplicationBuilder>? services = null, Action<WebApplication>? endpoints = null)
    {
        var http = $"http://127.0.0.1:{FreePort()}";
        var grpc = $"http://127.0.0.1:{FreePort()}";
        LabHosting.PreferPollingFileWatcher(); // as Program.cs does
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        var db = Path.Combine(Path.GetTempPath(), $"connlab-load-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:ConnLab"] = $"Data Source={db}",
            ["ConnLab:RequestsPerMinutePerClient"] = "100000000",
            ["ConnLab:MaxSessionsPerClient"] = "10000",
            ["ConnLab:MaxEventsPerSession"] = "10000000",
            ["ConnLab:MaxInFlight"] = "1000000",
            ["ConnLab:MaxPayloadBytes"] = "16777216",
            ["ConnLab:DurableWrites"] = durable ? "true" : "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Kestrel:Endpoints:Http:Url"] = http,
            ["Kestrel:Endpoints:Grpc:Url"] = grpc,
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
        });
        // Experiments override any setting without a rebuild: BENCH_ConnLab__WatchBuffer=1000.
        builder.Configuration.AddEnvironmentVariables("BENCH_");
        builder.AddConnLab();
        services?.Invoke(builder);
        var app = builder.Build();
        await app.UseConnLabAsync();
        endpoints?.Invoke(app);
        await app.StartAsync();
        return new LoadServer(app, db, http, grpc);
    }

    /// <summary>
    /// Waits until the trace writer has folded its journal (it folds at once when writes stop): a set-up that queued
    /// megabytes of sends leaves that much to fold, which would otherwise land in the measured window.
    /// </summary>
    public async Task SettleStoreAsync()
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_db}");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM Journal";
        while (Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        await connection.CloseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_db + suffix);
        }
    }

    /// <summary>A loopback port no one listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
