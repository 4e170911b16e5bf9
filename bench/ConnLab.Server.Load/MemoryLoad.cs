using ConnLab.Bench;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ConnLab.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using OpenTelemetry.Metrics;

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
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter([.. ConnLab.Server.Hosting.MetricsEndpoint.FrameworkMeters])
            .AddPrometheusExporter());
        var app = builder.Build();
        app.UseRateLimiter();
        app.UseSwagger();
        app.UseSwaggerUI();
        app.MapHealthChecks("/healthz");
        app.MapGrpcService<BenchService>();
        app.MapGrpcReflectionService();
        app.MapHub<RawHub>("/hubs/raw");
        app.MapPrometheusScrapingEndpoint();
        await using (var context = await app.Services.GetRequiredService<IDbContextFactory<LabDb>>().CreateDbContextAsync())
        {
            await context.Database.MigrateAsync();
        }
        await app.RunAsync();
        File.Delete(db);
    }

    /// <summary>
    /// Start-up only, repeated: <paramref name="runs"/> pairs of a bare app and a server process, alternating so both
    /// see the same load on a shared machine, each on a fresh database; prints every run and the medians.
    /// </summary>
    public static async Task StartupAsync(int runs)
    {
        const string self = "dotnet";
        var dll = typeof(MemoryLoad).Assembly.Location;
        var server = Path.Combine(Path.GetDirectoryName(dll)!, "ConnLab.Server.dll");
        var bare = new List<Figures>();
        var lab = new List<Figures>();
        for (var i = 0; i < runs; i++)
        {
            bare.Add(await Measure(self, $"\"{dll}\" bare-app", sessions: -1));
            lab.Add(await Measure(self, $"\"{server}\"", sessions: -1));
            Console.WriteLine($"run {i + 1}: bare app {bare[^1].StartMs:N0} ms ({bare[^1].StartCpuMs:N0} ms CPU), "
                + $"server {lab[^1].StartMs:N0} ms ({lab[^1].StartCpuMs:N0} ms CPU)");
        }
        var bareMedian = Median(bare.Select(f => f.StartMs));
        var labMedian = Median(lab.Select(f => f.StartMs));
        BenchReport.Add($"server start-up to first answer, median of {runs}", $"{labMedian:N0} ms ({Median(lab.Select(f => f.StartCpuMs)):N0} ms CPU)",
            "≤ 2,000 ms", $"bare app {bareMedian:N0} ms ({Median(bare.Select(f => f.StartCpuMs)):N0} ms CPU); {labMedian / bareMedian:0.00}×", labMedian <= 2000);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <param name="StartCpuMs">User + system CPU time the process had used when it first answered: steadier than
    /// <paramref name="StartMs"/> on a machine shared with other work.</param>
    private sealed record Figures(double StartMs, double StartCpuMs, double IdleMb, double LoadedMb);

    /// <param name="sessions">Sessions to create before the loaded RSS; -1 for the start-up time alone.</param>
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
        var startCpuMs = CpuMs(process);
        var idle = 0.0;
        var loaded = 0.0;
        if (sessions >= 0)
        {
            (idle, loaded) = await Rss(process, http, sessions);
        }
        process.Kill();
        await process.WaitForExitAsync();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(db + suffix);
        }
        return new Figures(startMs, startCpuMs, idle, loaded);
    }

    private static async Task<(double Idle, double Loaded)> Rss(Process process, HttpClient http, int sessions)
    {
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
        return (idle, RssMb(process));
    }

    private static double CpuMs(Process process)
    {
        // /proc/<pid>/stat: utime and stime (fields 14 and 15) in clock ticks, after the parenthesised command name.
        var stat = File.ReadAllText($"/proc/{process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return ticks * 1000.0 / 100; // USER_HZ is 100 on Linux
    }

    private static double RssMb(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
