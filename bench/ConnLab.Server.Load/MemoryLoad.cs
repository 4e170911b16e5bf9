using ConnLab.Bench;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ConnLab.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ConnLab.Server.Load;

/// <summary>
/// Start-up time, idle RSS beside a bare app with the same framework registrations (EF Core, Swagger, problem
/// details, health checks), and RSS with 1,000 live sessions — each a real server process measured from /proc.
/// </summary>
internal static class MemoryLoad
{
    public static async Task RunAsync()
    {
        const string self = "dotnet";
        var dll = typeof(MemoryLoad).Assembly.Location;
        var server = Path.Combine(Path.GetDirectoryName(dll)!, "ConnLab.Server.dll");
        var bare = await Measure(self, $"\"{dll}\" bare-app", sessions: 0);
        var lab = await Measure(self, $"\"{server}\"", sessions: 1000);
        BenchReport.Add("server start-up to first answer", $"{lab.StartMs:N0} ms", "≤ 2,000 ms", $"bare app {bare.StartMs:N0} ms", lab.StartMs <= 2000);
        BenchReport.Add("server idle RSS", $"{lab.IdleMb:0} MB", "≤ 1.2× bare app", $"{lab.IdleMb / bare.IdleMb:0.00}× bare app ({bare.IdleMb:0} MB)", lab.IdleMb / bare.IdleMb <= 1.2);
        BenchReport.Add("server RSS with 1,000 established sessions", $"{lab.LoadedMb:0} MB", "< 300 MB", "—", lab.LoadedMb < 300);
    }

    /// <summary>
    /// The baseline: an ASP.NET Core app with the server's framework registrations (EF Core on a migrated SQLite file,
    /// gRPC with reflection, SignalR, Swagger, problem details, rate limiter, health checks) and nothing of ConnLab.
    /// </summary>
    public static async Task BareAppAsync(string url)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var db = Path.GetTempFileName();
        builder.Services.AddDbContextFactory<LabDb>(o => o.UseSqlite($"Data Source={db}"));
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        builder.Services.AddSignalR();
        builder.Services.AddProblemDetails();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddHealthChecks();
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen();
        var app = builder.Build();
        app.UseRateLimiter();
        app.UseSwagger();
        app.UseSwaggerUI();
        app.MapHealthChecks("/healthz");
        app.MapGrpcService<BenchService>();
        app.MapGrpcReflectionService();
        app.MapHub<RawHub>("/hubs/raw");
        await using (var context = await app.Services.GetRequiredService<IDbContextFactory<LabDb>>().CreateDbContextAsync())
        {
            await context.Database.MigrateAsync();
        }
        await app.RunAsync();
        File.Delete(db);
    }

    private sealed record Figures(double StartMs, double IdleMb, double LoadedMb);

    private static async Task<Figures> Measure(string exe, string arguments, int sessions)
    {
        var port = LoadServer.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var db = Path.Combine(Path.GetTempPath(), $"connlab-mem-{port}-{Environment.ProcessId}.db");
        var start = new ProcessStartInfo(exe, $"{arguments} --urls {url}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__ConnLab"] = $"Data Source={db}",
                ["ConnLab__MaxSessionsPerClient"] = "5000",
                ["ConnLab__RequestsPerMinutePerClient"] = "1000000",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Kestrel__Endpoints__Http__Url"] = url,
                ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{LoadServer.FreePort()}", // never the default 5081 a dev server holds
                ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            },
        };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        while (true)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                process.Kill();
                throw new TimeoutException($"{arguments} did not answer /healthz within 30 s");
            }
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                await Task.Delay(10);
            }
        }
        var startMs = clock.Elapsed.TotalMilliseconds;
        await Task.Delay(2000);
        var idle = RssMb(process);
        for (var i = 0; i < sessions; i++)
        {
            using var created = await http.PostAsJsonAsync("/api/sessions", new { scenario = "handshake" });
            var body = (await created.Content.ReadFromJsonAsync<JsonNode>())!;
            using var run = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{body["session"]!["id"]}/run");
            run.Headers.Authorization = new("Bearer", body["token"]!.GetValue<string>());
            (await http.SendAsync(run)).EnsureSuccessStatusCode();
        }
        await Task.Delay(2000);
        var loaded = RssMb(process);
        process.Kill();
        await process.WaitForExitAsync();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(db + suffix);
        }
        return new Figures(startMs, idle, loaded);
    }

    private static double RssMb(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
