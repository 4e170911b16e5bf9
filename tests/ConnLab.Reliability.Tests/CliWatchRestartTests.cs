using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ConnLab.Cli;
using ConnLab.Testing;
using Xunit.Abstractions;

namespace ConnLab.Reliability.Tests;

/// <summary><c>connlab watch</c> on a projector while the server restarts: it waits, then carries on without a gap or a repeat.</summary>
public sealed class CliWatchRestartTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"connlab-cli-restart-{Guid.NewGuid():N}.db");
    private readonly string _tokens = Path.Combine(Path.GetTempPath(), $"connlab-cli-restart-{Guid.NewGuid():N}.json");

    [Fact]
    public async Task Watch_rides_out_a_killed_and_restarted_server_and_carries_on_from_the_next_event()
    {
        var ports = (Http: FreePorts.Next(), Grpc: FreePorts.Next());
        var grpc = $"http://127.0.0.1:{ports.Grpc}";
        string id, token;
        var screen = new Screen();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        Task<int> watching;
        using (var first = ServerProcess.Start($"Data Source={_db}", ports: ports))
        {
            await first.WaitHealthyAsync(Timeout);
            using var created = await first.Http.PostAsJsonAsync("/api/sessions", new { scenario = "handshake" });
            var body = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
            (id, token) = (body["session"]!["id"]!.GetValue<string>(), body["token"]!.GetValue<string>());
            watching = new LabCli(screen, TextWriter.Null, _tokens).RunAsync(["watch", id, "--server", grpc], stop.Token);
            await screen.Until("---------- SYN seq=");
        } // SIGKILL
        await screen.Until("── lost the server; trying again for up to 2 minutes ──");

        using var second = ServerProcess.Start($"Data Source={_db}", ports: ports);
        await second.WaitHealthyAsync(Timeout);
        using var run = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{id}/run") { Content = JsonContent.Create(new { }) };
        run.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        (await second.Http.SendAsync(run)).EnsureSuccessStatusCode();
        await screen.Until("[SYN_RECEIVED → ESTABLISHED]");
        await stop.CancelAsync();
        Assert.Equal(0, await watching);

        var text = screen.ToString();
        output.WriteLine(text);
        // The scenario's events: #0-#4 end with the SYN (the last the ladder draws), #5 arms its retransmission timer (not
        // drawn). The kill lands after the SYN was drawn, so the watch carries on from #5 or #6, whichever it had not received.
        Assert.Matches(@"── the server is back: carrying on from event #[56] ──", text);
        foreach (var line in new[] { "[CLOSED → SYN_SENT]", "[LISTEN → SYN_RECEIVED]", "[SYN_SENT → ESTABLISHED]", "[SYN_RECEIVED → ESTABLISHED]" })
        {
            Assert.Equal(1, text.Split('\n').Count(l => l.Contains(line, StringComparison.Ordinal))); // none missed, none drawn twice
        }
        Assert.True(text.IndexOf("── the server is back", StringComparison.Ordinal) < text.IndexOf("[LISTEN → SYN_RECEIVED]", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        foreach (var path in new[] { _db, _db + "-wal", _db + "-shm", _tokens })
        {
            File.Delete(path);
        }
    }

    /// <summary>A terminal the test can read while the CLI writes to it.</summary>
    private sealed class Screen : StringWriter
    {
        public override void Write(char value)
        {
            lock (this)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (this)
            {
                base.Write(value);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (this)
            {
                base.WriteLine(value);
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override string ToString()
        {
            lock (this)
            {
                return base.ToString();
            }
        }

        public async Task Until(string text)
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (!ToString().Contains(text, StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"'{text}' did not appear:\n{this}");
                await Task.Delay(20);
            }
        }
    }
}
