using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.Http.Connections;
using ConnLab.Server.Hubs;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Server.Tests.BadInput;

/// <summary>
/// Clients that ask for too much: quotas, the per-client rate limiter, watch limits and memory under a flood of refusals.
/// The server identifies a client by its remote IP address (<c>SessionsApi.Client</c>), so "another client" here is a
/// connection from another loopback address (127.0.0.2) to the same real Kestrel listener on 127.0.0.1 — the same way
/// two machines differ in production, with no test-only hook.
/// </summary>
public sealed class AbuseTests
{
    private const string Problem = "https://connlab.dev/problems/";

    private static async Task<JsonNode> ProblemOf(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Creating_sessions_in_a_loop_hits_the_per_client_quota_then_the_total_quota_with_retry_after()
    {
        using var server = new KestrelLab(new()
        {
            ["ConnLab:MaxSessionsPerClient"] = "3",
            ["ConnLab:MaxSessions"] = "5",
            ["ConnLab:RequestsPerMinutePerClient"] = "100000",
        });
        using var a = server.Client("127.0.0.1");
        using var b = server.Client("127.0.0.2");
        var created = 0;
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++) // a client creating sessions in a loop
        {
            var response = await a.PostAsJsonAsync("/api/sessions", new { });
            if (response.StatusCode == HttpStatusCode.Created)
            {
                created++;
            }
            else
            {
                refused = response;
            }
        }
        Assert.Equal(3, created);
        var perClient = await ProblemOf(refused!, HttpStatusCode.TooManyRequests);
        Assert.Equal(Problem + "quota-exceeded", perClient["type"]!.GetValue<string>());
        Assert.Contains("each client may hold 3", perClient["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(refused!.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a quota refusal says when to retry");
        Assert.Equal(3, server.SessionCount);

        // Another client still has its own quota, until the server's total is reached.
        var (id, token) = await KestrelLab.Create(b, new { });
        await KestrelLab.Create(b, new { });
        var total = await b.PostAsJsonAsync("/api/sessions", new { });
        var totalProblem = await ProblemOf(total, HttpStatusCode.TooManyRequests);
        Assert.Equal(Problem + "quota-exceeded", totalProblem["type"]!.GetValue<string>());
        Assert.Contains("maximum of 5 sessions", totalProblem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(total.Headers.RetryAfter);
        Assert.Equal(5, server.SessionCount);

        // A fork is a new session too: it is held to the same quota and changes nothing.
        using var fork = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{id}/fork") { Content = JsonContent.Create(new { atStep = 0 }) };
        fork.Headers.Authorization = new("Bearer", token);
        var forkProblem = await ProblemOf(await b.SendAsync(fork), HttpStatusCode.TooManyRequests);
        Assert.Equal(Problem + "quota-exceeded", forkProblem["type"]!.GetValue<string>());
        Assert.Equal(5, server.SessionCount);

        // Deleting one frees a place.
        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/sessions/{id}");
        delete.Headers.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.NoContent, (await b.SendAsync(delete)).StatusCode);
        await KestrelLab.Create(b, new { });
        Assert.Equal(5, server.SessionCount);
    }

    [Fact]
    public async Task A_client_flooding_steps_is_rate_limited_with_retry_after_while_another_client_keeps_being_served()
    {
        const int limit = 20;
        using var server = new KestrelLab(new() { ["ConnLab:RequestsPerMinutePerClient"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var flooder = server.Client("127.0.0.1");
        using var neighbour = server.Client("127.0.0.2");
        var (id, token) = await KestrelLab.Create(flooder, new { });
        flooder.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var ok = 0;
        var limited = new List<HttpResponseMessage>();
        for (var i = 0; i < 3 * limit; i++)
        {
            var response = await flooder.PostAsJsonAsync($"/api/sessions/{id}/advance", new { ms = 1 });
            if (response.StatusCode == HttpStatusCode.OK)
            {
                ok++;
            }
            else
            {
                limited.Add(response);
            }
        }
        // A fixed one-minute window: at most two windows' worth get through even if the minute turns during the flood.
        Assert.InRange(ok, 1, 2 * limit);
        Assert.NotEmpty(limited);
        foreach (var response in limited)
        {
            var problem = await ProblemOf(response, HttpStatusCode.TooManyRequests);
            Assert.Equal(Problem + "rate-limited", problem["type"]!.GetValue<string>());
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }

        // The neighbour, from another address, is served normally throughout.
        var (otherId, otherToken) = await KestrelLab.Create(neighbour, new { scenario = "handshake" });
        neighbour.DefaultRequestHeaders.Authorization = new("Bearer", otherToken);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await neighbour.PostAsJsonAsync($"/api/sessions/{otherId}/step", new { count = 1 })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await neighbour.GetAsync($"/api/sessions/{otherId}")).StatusCode);
        }

        // Refused requests did nothing: the virtual clock moved exactly 1 ms per advance that was served.
        var host = server.Lab.Find(id)!;
        Assert.Equal(ok * 1000L, host.Session.NowUs);
        Assert.Equal(ok, host.Session.Commands.Count);
    }

    [Fact]
    public async Task A_connection_asking_to_watch_thousands_of_sessions_holds_at_most_its_limit()
    {
        using var server = new KestrelLab(new()
        {
            ["ConnLab:MaxWatchesPerConnection"] = "4",
            ["ConnLab:RequestsPerMinutePerClient"] = "100000",
        });
        using var http = server.Client();
        var sessions = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            sessions.Add((await KestrelLab.Create(http)).Id);
        }
        var hub = new HubConnectionBuilder().WithUrl($"{server.HttpUrl}/hubs/lab", o => o.Transports = HttpTransportType.WebSockets).Build();
        await using var _ = hub;
        await hub.StartAsync();
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        var refusals = 0;
        for (var i = 0; i < 2000; i++) // thousands of asks: the real sessions over and over, and ids that do not exist
        {
            var id = i % 2 == 0 ? sessions[i / 2 % sessions.Count] : $"nosuchsession{i}";
            try
            {
                await hub.InvokeAsync<JsonNode>("Watch", id, 0L);
                accepted.Add(id);
            }
            catch (HubException)
            {
                refusals++;
            }
        }
        // The first four sessions asked for are watched (asking again replaces a watch); every other ask is refused.
        Assert.Equal(sessions.Take(4).Order(StringComparer.Ordinal), accepted.Order(StringComparer.Ordinal));
        var asksForTheFirstFour = Enumerable.Range(0, 2000).Count(i => i % 2 == 0 && i / 2 % sessions.Count < 4);
        Assert.Equal(2000 - asksForTheFirstFour, refusals);
        var registry = server.Services.GetRequiredService<WatchRegistry>();
        Assert.Equal(4, sessions.Count(registry.IsWatched));
        Assert.DoesNotContain(Enumerable.Range(0, 2000), i => i % 2 == 1 && registry.IsWatched($"nosuchsession{i}"));
    }
}
