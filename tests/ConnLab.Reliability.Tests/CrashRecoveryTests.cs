using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace ConnLab.Reliability.Tests;

/// <summary>
/// The durability promise under SIGKILL: the real server, 50 sessions under concurrent REST load, killed at random
/// moments and restarted on the same SQLite file, again and again. Reproduce a failure with CONNLAB_CRASH_SEED.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private const int SessionCount = 50;
    private const int Kills = 22;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _db = Path.Combine(Path.GetTempPath(), $"connlab-crash-{Guid.NewGuid():N}.db");

    [Fact(Timeout = 240_000)]
    public async Task Killed_server_restarts_with_every_acknowledged_command_and_keeps_serving()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CONNLAB_CRASH_SEED"), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        output.WriteLine($"seed {seed} (rerun with CONNLAB_CRASH_SEED={seed})");
        var rng = new Random(seed);
        var load = new CrashLoad(new Random(rng.Next()));
        var clock = Stopwatch.StartNew();
        var restarts = new List<TimeSpan>();
        long commandsVerified = 0, eventsVerified = 0;

        var server = Start();
        try
        {
            output.WriteLine($"first start to first answer: {(await server.WaitHealthyAsync(StartTimeout)).TotalMilliseconds:F0} ms");
            await TopUpAsync(load, server.Http);
            for (var kill = 1; kill <= Kills; kill++)
            {
                var driving = load.RunAsync(server.Http);
                await Task.Delay(300 + rng.Next(1500)); // a random moment of the load
                server.Kill();
                await driving.WaitAsync(TimeSpan.FromSeconds(30));
                server.Dispose();

                var wal = new FileInfo(_db + "-wal") is { Exists: true } w ? w.Length : 0;
                server = Start();
                var restart = await server.WaitHealthyAsync(StartTimeout);
                restarts.Add(restart);
                output.WriteLine($"kill {kill}: restart to first answer {restart.TotalMilliseconds:F0} ms (WAL left {wal / 1024} KiB)");
                var failures = new List<string>();
                foreach (var session in load.Sessions.ToList())
                {
                    commandsVerified += session.AckedSinceCheck;
                    session.AckedSinceCheck = 0;
                    eventsVerified += await session.VerifyRestoredAsync(server.Http, failures);
                }
                failures.AddRange(load.Failures);
                load.Failures.Clear();
                Assert.True(failures.Count == 0,
                    $"seed {seed}, kill {kill}: {failures.Count} problems after the restart:\n{string.Join('\n', failures.Take(20))}\n--- server log ---\n{server.LogTail}");
                load.Sessions.RemoveAll(s => s.Deleted);
                await AFurtherCommandSucceeds(server.Http, load.Sessions[rng.Next(load.Sessions.Count)]);
                await TopUpAsync(load, server.Http);
            }
        }
        finally
        {
            server.Dispose();
        }

        restarts.Sort();
        output.WriteLine($"{Kills} kills in {clock.Elapsed.TotalSeconds:F1} s; {load.Acknowledged} commands acknowledged, "
            + $"{load.Refused} refused (4xx); verified after restarts: {commandsVerified} acknowledged commands, {eventsVerified} events");
        output.WriteLine($"restart to first /healthz 200: min {restarts[0].TotalMilliseconds:F0} ms, "
            + $"median {restarts[restarts.Count / 2].TotalMilliseconds:F0} ms, max {restarts[^1].TotalMilliseconds:F0} ms");
        Assert.True(commandsVerified > Kills, $"only {commandsVerified} acknowledged commands were verified");
    }

    private ServerProcess Start() => ServerProcess.Start($"Data Source={_db}");

    private static async Task TopUpAsync(CrashLoad load, HttpClient http)
    {
        while (load.Sessions.Count(s => !s.Deleted) < SessionCount)
        {
            Assert.NotNull(await load.CreateAsync(http));
        }
        Assert.Empty(load.Failures);
    }

    private static async Task AFurtherCommandSucceeds(HttpClient http, TrackedSession session)
    {
        var command = new PendingCommand(HttpMethod.Post, "/advance", new { ms = 1 });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{session.Id}/advance")
        {
            Content = JsonContent.Create(command.Body),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"a command after the restart: {(int)response.StatusCode} {text}");
        Assert.Null(session.Acknowledge(command, JsonNode.Parse(text)!));
    }

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_db + suffix);
        }
    }
}
