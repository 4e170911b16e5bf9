using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ConnLab.Reliability.Tests;

/// <summary>
/// Drives sessions over REST, one command at a time per session and all sessions at once, until the server dies
/// under it. Sessions grow, rewind, get deleted and replaced; every 2xx answer is recorded as acknowledged.
/// </summary>
public sealed class CrashLoad(Random seedSource)
{
    /// <summary>Sessions past this many events are deleted (and replaced), so a check reads a bounded trace.</summary>
    private const int MaxEvents = 600;

    public List<TrackedSession> Sessions { get; } = [];
    public ConcurrentQueue<string> Failures { get; } = new();
    public long Acknowledged => Interlocked.Read(ref _acknowledged);
    public long Refused => Interlocked.Read(ref _refused);
    private long _acknowledged;
    private long _refused;

    /// <summary>Creates a session to track (null if the server died first).</summary>
    public async Task<TrackedSession?> CreateAsync(HttpClient http)
    {
        Random rng;
        lock (seedSource)
        {
            rng = new Random(seedSource.Next());
        }
        var body = new
        {
            profile = rng.Next(2) == 0 ? "linux" : "rfc9293",
            seed = rng.Next(1, 1_000_000),
            link = new { lossRate = rng.Next(3) * 0.05, delayMs = 1 + rng.Next(20) },
        };
        try
        {
            using var response = await http.PostAsJsonAsync("/api/sessions", body);
            var text = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != 201)
            {
                Failures.Enqueue($"create answered {(int)response.StatusCode}: {text}");
                return null;
            }
            var created = JsonNode.Parse(text)!;
            var session = new TrackedSession(created["session"]!["id"]!.GetValue<string>(), created["token"]!.GetValue<string>(), rng);
            session.Adopt(created["session"]!, null);
            lock (Sessions)
            {
                Sessions.Add(session);
            }
            session.Adopt(created["session"]!, await TrackedSession.ReadTraceAsync(http, session.Id));
            return session;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or System.Net.Sockets.SocketException)
        {
            return null; // the server died
        }
    }

    /// <summary>Commands on every live session until the server stops answering.</summary>
    public Task RunAsync(HttpClient http)
    {
        List<TrackedSession> live;
        lock (Sessions)
        {
            live = Sessions.Where(s => !s.Deleted).ToList();
        }
        return Task.WhenAll(live.Select(s => Task.Run(() => DriveAsync(http, s))));
    }

    private async Task DriveAsync(HttpClient http, TrackedSession session)
    {
        while (true)
        {
            var command = Pick(session);
            session.Pending = command;
            int status;
            string text;
            try
            {
                using var request = new HttpRequestMessage(command.Method, $"/api/sessions/{session.Id}{command.Path}");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
                if (command.Body is not null)
                {
                    request.Content = JsonContent.Create(command.Body);
                }
                using var response = await http.SendAsync(request);
                status = (int)response.StatusCode;
                text = await response.Content.ReadAsStringAsync();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or System.Net.Sockets.SocketException)
            {
                // killed: the command stays pending (committed or not, nobody was told). A kill during connect can surface
                // as a bare SocketException from the handler (RemoteEndPoint of a socket already reset).
                return;
            }
            if (status is >= 200 and < 300)
            {
                Interlocked.Increment(ref _acknowledged);
                if (command.IsDelete)
                {
                    session.Deleted = true;
                    session.Pending = null;
                    if (await CreateAsync(http) is { } replacement)
                    {
                        await DriveAsync(http, replacement);
                    }
                    return;
                }
                if (session.Acknowledge(command, JsonNode.Parse(text)!) is { } wrong)
                {
                    Failures.Enqueue(wrong);
                }
            }
            else if (status is >= 400 and < 500)
            {
                Interlocked.Increment(ref _refused); // the state forbids it (409), a segment already arrived (404), …: nothing changed
            }
            else
            {
                Failures.Enqueue($"{session.Id} {command.Method} {command.Path}: {status} {text}");
            }
            session.Pending = null;
        }
    }

    private static PendingCommand Pick(TrackedSession s)
    {
        var rng = s.Rng;
        if (s.Events.Count > MaxEvents)
        {
            return new(HttpMethod.Delete, "", null);
        }
        var roll = rng.Next(100);
        var firstInFlight = s.Snapshot?["inFlight"]?.AsArray().FirstOrDefault()?["segment"]?["id"]?.GetValue<long>();
        return roll switch
        {
            < 6 => Post("/endpoints/server/listen"),
            < 12 => Post("/endpoints/client/connect"),
            < 27 => Post("/endpoints/client/send", new { data = new string('c', 1 + rng.Next(300)) }),
            < 32 => Post("/endpoints/server/send", new { data = new string('s', 1 + rng.Next(100)) }),
            < 52 => Post("/step", new { count = 1 + rng.Next(4) }),
            < 60 => Post("/run", new { until = "idle", maxSteps = 40 }),
            < 70 => Post("/advance", new { ms = 10 + rng.Next(400) }),
            < 75 => Post("/endpoints/server/read"),
            < 79 => Post(rng.Next(2) == 0 ? "/endpoints/client/close" : "/endpoints/server/close"),
            < 80 => Post("/endpoints/client/abort"),
            < 86 when firstInFlight is { } segment => Post($"/segments/{segment}/drop"),
            < 88 => Post($"/segments/{firstInFlight ?? 1}/duplicate"),
            < 92 => Post("/rewind", new { toStep = rng.NextInt64(s.Step + 1) }),
            _ => Post("/step", new { count = 1 }),
        };
    }

    private static PendingCommand Post(string path, object? body = null) => new(HttpMethod.Post, path, body);
}
