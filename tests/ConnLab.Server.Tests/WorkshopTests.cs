using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ConnLab.Contracts.V1;
using ConnLab.Engine.Lab;
using ConnLab.Server.Hubs;
using ConnLab.Server.Workshops;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using EngineState = ConnLab.Engine.Tcp.TcpState;

namespace ConnLab.Server.Tests;

/// <summary>A small REST client for /api/workshops.</summary>
internal sealed class WorkshopClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public async Task<JsonNode> Create(object? body = null)
    {
        var response = await Http.PostAsJsonAsync("/api/workshops", body ?? new { scenario = "handshake", name = "Networks 101" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var created = JsonNode.Parse(text)!;
        Assert.Equal($"/api/workshops/{created["workshop"]!["id"]}", response.Headers.Location?.ToString());
        return created;
    }

    public Task<HttpResponseMessage> Join(string code, string name) =>
        Http.PostAsJsonAsync("/api/workshops/join", new { code, studentName = name });

    public async Task<JsonNode> Joined(string code, string name)
    {
        var response = await Join(code, name);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!;
    }

    public Task<HttpResponseMessage> Send(HttpMethod method, string path, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return Http.SendAsync(request);
    }

    public async Task<JsonNode> Grid(string id, string key)
    {
        var response = await Send(HttpMethod.Get, $"/api/workshops/{id}", key);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> Problem(HttpResponseMessage response, int status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal($"https://connlab.dev/problems/{type}", problem["type"]!.GetValue<string>());
        return problem;
    }
}

/// <summary>Workshops over REST (WebApplicationFactory), and the outcome rule.</summary>
public sealed class WorkshopTests : IDisposable
{
    private readonly LabFactory _factory = new(settings: new() { ["ConnLab:MaxStudentsPerWorkshop"] = "3", ["ConnLab:MaxWorkshops"] = "2" });

    public void Dispose() => _factory.Dispose();

    private WorkshopClient Client() => new(_factory.CreateClient());

    [Fact]
    public async Task Create_gives_a_six_character_code_a_key_and_a_template_session()
    {
        var created = await Client().Create();
        var code = created["workshop"]!["code"]!.GetValue<string>();
        Assert.Matches("^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$", code);
        Assert.False(string.IsNullOrEmpty(created["instructorKey"]!.GetValue<string>()));
        Assert.Equal(created["template"]!["id"]!.GetValue<string>(), created["workshop"]!["templateSessionId"]!.GetValue<string>());
        Assert.Equal("SYN_SENT", created["template"]!["endpoints"]!["client"]!["state"]!.GetValue<string>());
        Assert.True(created["workshop"]!["open"]!.GetValue<bool>());
        Assert.Empty(created["workshop"]!["students"]!.AsArray());
    }

    [Fact]
    public async Task Two_students_get_distinct_forks_with_their_own_tokens_and_the_grid_lists_both()
    {
        var client = Client();
        var created = await client.Create();
        var (id, key, code) = (created["workshop"]!["id"]!.GetValue<string>(), created["instructorKey"]!.GetValue<string>(),
            created["workshop"]!["code"]!.GetValue<string>());
        // The instructor moves the template on before the students join: each fork starts where the template is.
        var template = new LabClient(_factory.CreateClient());
        var templateId = created["template"]!["id"]!.GetValue<string>();
        var step = await client.Send(HttpMethod.Post, $"/api/sessions/{templateId}/step", created["templateToken"]!.GetValue<string>());
        Assert.True(step.IsSuccessStatusCode);

        var ada = await client.Joined(code.ToLowerInvariant()[..3] + "-" + code[3..], "Ada"); // case and dashes do not matter
        var alan = await client.Joined(code, "Alan");
        var adaId = ada["session"]!["id"]!.GetValue<string>();
        var alanId = alan["session"]!["id"]!.GetValue<string>();
        Assert.NotEqual(adaId, alanId);
        Assert.NotEqual(templateId, adaId);
        Assert.NotEqual(ada["token"]!.GetValue<string>(), alan["token"]!.GetValue<string>());
        Assert.Equal(1, ada["session"]!["step"]!.GetValue<long>());
        Assert.Equal("SYN_RECEIVED", ada["session"]!["endpoints"]!["server"]!["state"]!.GetValue<string>());

        // Each token controls its own sandbox only.
        var adaStep = await client.Send(HttpMethod.Post, $"/api/sessions/{adaId}/run", ada["token"]!.GetValue<string>());
        Assert.True(adaStep.IsSuccessStatusCode, await adaStep.Content.ReadAsStringAsync());
        await WorkshopClient.Problem(await client.Send(HttpMethod.Post, $"/api/sessions/{alanId}/step", ada["token"]!.GetValue<string>()), 403, "token-rejected");

        var grid = await client.Grid(id, key);
        var students = grid["students"]!.AsArray();
        Assert.Equal(["Ada", "Alan"], students.Select(s => s!["name"]!.GetValue<string>()));
        Assert.Equal("ESTABLISHED", students[0]!["clientState"]!.GetValue<string>());
        Assert.Equal("ESTABLISHED", students[0]!["serverState"]!.GetValue<string>());
        Assert.Equal("established", students[0]!["outcome"]!.GetValue<string>());
        Assert.Equal("SYN_RECEIVED", students[1]!["serverState"]!.GetValue<string>());
        Assert.Equal("in progress", students[1]!["outcome"]!.GetValue<string>());
        Assert.True(students[0]!["eventCount"]!.GetValue<long>() > students[1]!["eventCount"]!.GetValue<long>());
    }

    [Fact]
    public async Task Instructor_calls_need_the_instructor_key()
    {
        var client = Client();
        var created = await client.Create();
        var id = created["workshop"]!["id"]!.GetValue<string>();
        await WorkshopClient.Problem(await client.Send(HttpMethod.Get, $"/api/workshops/{id}", null), 401, "token-required");
        await WorkshopClient.Problem(await client.Send(HttpMethod.Get, $"/api/workshops/{id}", "not-the-key"), 403, "token-rejected");
        // The template's token is not the instructor key either.
        await WorkshopClient.Problem(await client.Send(HttpMethod.Post, $"/api/workshops/{id}/close", created["templateToken"]!.GetValue<string>()), 403, "token-rejected");
        await WorkshopClient.Problem(await client.Send(HttpMethod.Post, $"/api/workshops/{id}/follow", "nope", new { on = true }), 403, "token-rejected");
        await WorkshopClient.Problem(await client.Send(HttpMethod.Get, "/api/workshops/nosuchworkshop", "x"), 404, "workshop-not-found");
    }

    [Fact]
    public async Task Closing_makes_the_code_410_and_the_sandboxes_read_only()
    {
        var client = Client();
        var created = await client.Create();
        var (id, key, code) = (created["workshop"]!["id"]!.GetValue<string>(), created["instructorKey"]!.GetValue<string>(),
            created["workshop"]!["code"]!.GetValue<string>());
        var ada = await client.Joined(code, "Ada");
        var adaId = ada["session"]!["id"]!.GetValue<string>();
        var closed = await client.Send(HttpMethod.Post, $"/api/workshops/{id}/close", key);
        var grid = JsonNode.Parse(await closed.Content.ReadAsStringAsync())!;
        Assert.False(grid["open"]!.GetValue<bool>());
        Assert.NotNull(grid["closedAt"]);

        await WorkshopClient.Problem(await client.Join(code, "Late"), 410, "workshop-closed");
        await WorkshopClient.Problem(await client.Send(HttpMethod.Post, $"/api/sessions/{adaId}/step", ada["token"]!.GetValue<string>()), 403, "session-read-only");
        Assert.True((await client.Http.GetAsync($"/api/sessions/{adaId}")).IsSuccessStatusCode, "a closed workshop's sandbox can still be read");
        Assert.Equal("Ada", (await client.Grid(id, key))["students"]![0]!["name"]!.GetValue<string>());
        Assert.True((await client.Send(HttpMethod.Post, $"/api/workshops/{id}/close", key)).IsSuccessStatusCode, "closing twice is harmless");
        await WorkshopClient.Problem(await client.Send(HttpMethod.Post, $"/api/workshops/{id}/follow", key, new { on = true }), 410, "workshop-closed");
    }

    [Fact]
    public async Task Join_refuses_unknown_codes_bad_names_and_a_full_workshop()
    {
        var client = Client();
        var created = await client.Create();
        var code = created["workshop"]!["code"]!.GetValue<string>();
        await WorkshopClient.Problem(await client.Join("ZZZZZZ" == code ? "YYYYYY" : "ZZZZZZ", "Ada"), 404, "workshop-not-found");
        var bad = await WorkshopClient.Problem(await client.Join("AB", "Ada"), 400, "invalid-request");
        Assert.Equal("code", bad["field"]!.GetValue<string>());
        bad = await WorkshopClient.Problem(await client.Join(code, "  "), 400, "invalid-request");
        Assert.Equal("studentName", bad["field"]!.GetValue<string>());
        bad = await WorkshopClient.Problem(await client.Http.PostAsync("/api/workshops/join",
            new StringContent("""{"code": "ABCDEF", "student": "x"}""", System.Text.Encoding.UTF8, "application/json")), 400, "invalid-request");
        Assert.Equal("student", bad["field"]!.GetValue<string>());
        for (var i = 0; i < 3; i++)
        {
            await client.Joined(code, $"student {i}");
        }
        await WorkshopClient.Problem(await client.Join(code, "one too many"), 409, "workshop-full");
    }

    [Fact]
    public async Task Open_workshops_are_limited_with_429()
    {
        var client = Client();
        var first = await client.Create();
        await client.Create();
        await WorkshopClient.Problem(await client.Http.PostAsJsonAsync("/api/workshops", new { scenario = "handshake" }), 429, "quota-exceeded");
        // Closing one frees its place.
        var id = first["workshop"]!["id"]!.GetValue<string>();
        Assert.True((await client.Send(HttpMethod.Post, $"/api/workshops/{id}/close", first["instructorKey"]!.GetValue<string>())).IsSuccessStatusCode);
        await client.Create();
    }

    [Fact]
    public async Task Follow_me_accepts_the_template_or_a_sandbox_of_the_workshop_only()
    {
        var client = Client();
        var created = await client.Create();
        var (id, key, code) = (created["workshop"]!["id"]!.GetValue<string>(), created["instructorKey"]!.GetValue<string>(),
            created["workshop"]!["code"]!.GetValue<string>());
        var on = JsonNode.Parse(await (await client.Send(HttpMethod.Post, $"/api/workshops/{id}/follow", key, new { on = true })).Content.ReadAsStringAsync())!;
        Assert.Equal(created["template"]!["id"]!.GetValue<string>(), on["followSessionId"]!.GetValue<string>());
        var ada = await client.Joined(code, "Ada");
        Assert.Equal(on["followSessionId"]!.GetValue<string>(), ada["followSessionId"]!.GetValue<string>());
        var adaId = ada["session"]!["id"]!.GetValue<string>();
        var moved = JsonNode.Parse(await (await client.Send(HttpMethod.Post, $"/api/workshops/{id}/follow", key, new { on = true, sessionId = adaId })).Content.ReadAsStringAsync())!;
        Assert.Equal(adaId, moved["followSessionId"]!.GetValue<string>());
        var other = await new LabClient(_factory.CreateClient()).Create();
        var refused = await WorkshopClient.Problem(await client.Send(HttpMethod.Post, $"/api/workshops/{id}/follow", key,
            new { on = true, sessionId = other["session"]!["id"]!.GetValue<string>() }), 400, "invalid-request");
        Assert.Equal("sessionId", refused["field"]!.GetValue<string>());
        var off = JsonNode.Parse(await (await client.Send(HttpMethod.Post, $"/api/workshops/{id}/follow", key, new { on = false })).Content.ReadAsStringAsync())!;
        Assert.Null(off["followSessionId"]);
    }

    [Fact]
    public async Task A_restart_keeps_workshops_their_students_and_closed_sandboxes_read_only()
    {
        var path = Path.Combine(Path.GetTempPath(), $"connlab-workshop-{Guid.NewGuid():N}.db");
        string id, key, code, adaId, adaToken;
        using (var first = new LabFactory(path))
        {
            var client = new WorkshopClient(first.CreateClient());
            var created = await client.Create();
            (id, key, code) = (created["workshop"]!["id"]!.GetValue<string>(), created["instructorKey"]!.GetValue<string>(),
                created["workshop"]!["code"]!.GetValue<string>());
            var ada = await client.Joined(code, "Ada");
            (adaId, adaToken) = (ada["session"]!["id"]!.GetValue<string>(), ada["token"]!.GetValue<string>());
            await client.Send(HttpMethod.Post, $"/api/workshops/{id}/follow", key, new { on = true });
        }
        using (var second = new LabFactory(path))
        {
            var client = new WorkshopClient(second.CreateClient());
            var grid = await client.Grid(id, key);
            Assert.Equal(code, grid["code"]!.GetValue<string>());
            Assert.Equal(adaId, grid["students"]![0]!["sessionId"]!.GetValue<string>());
            Assert.Equal(grid["templateSessionId"]!.GetValue<string>(), grid["followSessionId"]!.GetValue<string>());
            await client.Joined(code, "Alan");
            Assert.True((await client.Send(HttpMethod.Post, $"/api/sessions/{adaId}/step", adaToken)).IsSuccessStatusCode);
            Assert.True((await client.Send(HttpMethod.Post, $"/api/workshops/{id}/close", key)).IsSuccessStatusCode);
        }
        using (var third = new LabFactory(path))
        {
            var client = new WorkshopClient(third.CreateClient());
            await WorkshopClient.Problem(await client.Join(code, "Late"), 410, "workshop-closed");
            await WorkshopClient.Problem(await client.Send(HttpMethod.Post, $"/api/sessions/{adaId}/step", adaToken), 403, "session-read-only");
            Assert.Equal(2, (await client.Grid(id, key))["students"]!.AsArray().Count);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }

    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }

    [Fact]
    public async Task An_expired_workshop_behaves_as_closed()
    {
        var clock = new ShiftedClock();
        using var factory = _factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<TimeProvider>(clock)));
        var client = new WorkshopClient(factory.CreateClient());
        var created = await client.Create();
        var (id, key, code) = (created["workshop"]!["id"]!.GetValue<string>(), created["instructorKey"]!.GetValue<string>(),
            created["workshop"]!["code"]!.GetValue<string>());
        var ada = await client.Joined(code, "Ada");
        var adaId = ada["session"]!["id"]!.GetValue<string>();
        Assert.True((await client.Send(HttpMethod.Post, $"/api/sessions/{adaId}/step", ada["token"]!.GetValue<string>())).IsSuccessStatusCode);

        clock.Offset = TimeSpan.FromMinutes(481); // past the default 480-minute TTL
        var gone = await WorkshopClient.Problem(await client.Join(code, "Late"), 410, "workshop-closed");
        Assert.Contains("expired", gone["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await WorkshopClient.Problem(await client.Send(HttpMethod.Post, $"/api/sessions/{adaId}/step", ada["token"]!.GetValue<string>()), 403, "session-read-only");
        Assert.False((await client.Grid(id, key))["open"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Swagger_describes_the_workshop_routes_with_examples_and_refusals()
    {
        var json = JsonNode.Parse(await _factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;
        var paths = json["paths"]!.AsObject();
        foreach (var path in new[] { "/api/workshops", "/api/workshops/join", "/api/workshops/{id}", "/api/workshops/{id}/follow", "/api/workshops/{id}/close" })
        {
            Assert.True(paths.ContainsKey(path), path);
        }
        Assert.NotNull(paths["/api/workshops/join"]!["post"]!["responses"]!["410"]);
        var schemas = json["components"]!["schemas"]!;
        Assert.Equal("handshake", schemas["CreateWorkshopRequest"]!["example"]!["scenario"]!.GetValue<string>());
        Assert.Equal("Ada", schemas["JoinWorkshopRequest"]!["example"]!["studentName"]!.GetValue<string>());
        Assert.Contains("join code", schemas["WorkshopGrid"]!["properties"]!["code"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, EngineState.Closed, EngineState.Listen, "not started")]
    [InlineData(null, EngineState.SynSent, EngineState.Listen, "in progress")]
    [InlineData(EventKind.ConnectionEstablished, EngineState.Established, EngineState.Established, "established")]
    [InlineData(EventKind.ConnectionEstablished, EngineState.FinWait2, EngineState.CloseWait, "closing")]
    [InlineData(EventKind.ConnectionEstablished, EngineState.TimeWait, EngineState.Closed, "closed")]
    [InlineData(EventKind.ConnectionReset, EngineState.Closed, EngineState.Listen, "reset")]
    [InlineData(EventKind.ConnectionRefused, EngineState.Closed, EngineState.Closed, "refused")]
    [InlineData(EventKind.ConnectionTimedOut, EngineState.Closed, EngineState.Listen, "timed out")]
    public void Outcome_follows_the_latest_connection_event_and_the_states(EventKind? last, EngineState client, EngineState server, string expected) =>
        Assert.Equal(expected, WorkshopOutcome.Of(last, client, server));
}

/// <summary>Workshops over gRPC and SignalR, on real Kestrel.</summary>
public sealed class WorkshopLiveTests : IDisposable
{
    private readonly LabFactory _factory;
    private readonly string _http;
    private readonly GrpcChannel _channel;
    private readonly WorkshopControl.WorkshopControlClient _grpc;

    public WorkshopLiveTests()
    {
        var grpc = $"http://127.0.0.1:{FreePorts.Next()}";
        _http = $"http://127.0.0.1:{FreePorts.Next()}";
        _factory = new LabFactory(settings: new()
        {
            ["Kestrel:Endpoints:Http:Url"] = _http,
            ["Kestrel:Endpoints:Grpc:Url"] = grpc,
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["ConnLab:MaxStudentsPerWorkshop"] = "2",
        });
        _factory.UseKestrel();
        _factory.StartServer();
        _channel = GrpcChannel.ForAddress(grpc);
        _grpc = new WorkshopControl.WorkshopControlClient(_channel);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }

    private static Metadata Bearer(string key) => new() { { "authorization", $"Bearer {key}" } };

    [Fact]
    public async Task Grpc_create_join_grid_follow_close_with_the_same_refusals_as_rest()
    {
        var created = await _grpc.CreateWorkshopAsync(new CreateWorkshopRequest { Name = "gRPC class", Template = new CreateSessionRequest { Scenario = "handshake" } });
        Assert.Equal(6, created.Workshop.Code.Length);
        Assert.Equal(created.Template.Id, created.Workshop.TemplateSessionId);
        var id = created.Workshop.Id;
        var ada = await _grpc.JoinWorkshopAsync(new JoinWorkshopRequest { Code = created.Workshop.Code, StudentName = "Ada" });
        var alan = await _grpc.JoinWorkshopAsync(new JoinWorkshopRequest { Code = created.Workshop.Code, StudentName = "Alan" });
        Assert.NotEqual(ada.Session.Id, alan.Session.Id);
        Assert.NotEqual(ada.Token, alan.Token);
        Assert.Equal(TcpState.SynSent, ada.Session.Client.State);

        var grid = await _grpc.GetWorkshopAsync(new WorkshopRequest { WorkshopId = id }, Bearer(created.InstructorKey));
        Assert.Equal(["Ada", "Alan"], grid.Students.Select(s => s.Name));
        Assert.All(grid.Students, s => Assert.Equal(TcpState.SynSent, s.ClientState));
        Assert.All(grid.Students, s => Assert.Equal("in progress", s.Outcome));

        var full = await Assert.ThrowsAsync<RpcException>(() => _grpc.JoinWorkshopAsync(new JoinWorkshopRequest { Code = created.Workshop.Code, StudentName = "Eve" }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);
        var denied = await Assert.ThrowsAsync<RpcException>(() => _grpc.GetWorkshopAsync(new WorkshopRequest { WorkshopId = id }, Bearer("wrong")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => _grpc.GetWorkshopAsync(new WorkshopRequest { WorkshopId = id }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _grpc.JoinWorkshopAsync(new JoinWorkshopRequest { Code = "222222", StudentName = "x" }).ResponseAsync);
        Assert.True(unknown.StatusCode is StatusCode.NotFound, unknown.Status.ToString());

        var followed = await _grpc.FollowWorkshopAsync(new FollowWorkshopRequest { WorkshopId = id, On = true, SessionId = ada.Session.Id }, Bearer(created.InstructorKey));
        Assert.Equal(ada.Session.Id, followed.FollowSessionId);
        var closed = await _grpc.CloseWorkshopAsync(new WorkshopRequest { WorkshopId = id }, Bearer(created.InstructorKey));
        Assert.False(closed.Open);
        Assert.NotNull(closed.ClosedAt);
        Assert.False(closed.HasFollowSessionId);
        var gone = await Assert.ThrowsAsync<RpcException>(() => _grpc.JoinWorkshopAsync(new JoinWorkshopRequest { Code = created.Workshop.Code, StudentName = "Late" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, gone.StatusCode);
    }

    [Fact]
    public async Task Follow_me_and_close_reach_students_and_the_grid_reaches_the_instructor_over_signalr()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_http) };
        var client = new WorkshopClient(http);
        var created = await client.Create();
        var (id, key, code) = (created["workshop"]!["id"]!.GetValue<string>(), created["instructorKey"]!.GetValue<string>(),
            created["workshop"]!["code"]!.GetValue<string>());
        var templateId = created["template"]!["id"]!.GetValue<string>();

        await using var student = new HubConnectionBuilder().WithUrl($"{_http}/hubs/lab", o => o.Transports = HttpTransportType.WebSockets).Build();
        var follows = new ConcurrentQueue<string?>();
        var closedTcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        student.On<string, string?>(nameof(ILabClient.WorkshopFollow), (workshop, session) =>
        {
            Assert.Equal(id, workshop);
            follows.Enqueue(session);
        });
        student.On<string>(nameof(ILabClient.WorkshopClosed), w => closedTcs.TrySetResult(w));
        await student.StartAsync();
        var presence = await student.InvokeAsync<JsonNode>("JoinWorkshop", code.ToLowerInvariant());
        Assert.Equal(id, presence["workshopId"]!.GetValue<string>());
        Assert.Null(presence["followSessionId"]);

        await using var instructor = new HubConnectionBuilder().WithUrl($"{_http}/hubs/lab", o => o.Transports = HttpTransportType.WebSockets).Build();
        var grids = new ConcurrentQueue<JsonNode>();
        instructor.On<JsonNode>(nameof(ILabClient.WorkshopGrid), g => grids.Enqueue(g));
        await instructor.StartAsync();
        await Assert.ThrowsAsync<HubException>(() => instructor.InvokeAsync<JsonNode>("WatchWorkshop", id, "wrong key"));
        var grid = await instructor.InvokeAsync<JsonNode>("WatchWorkshop", id, key);
        Assert.Empty(grid["students"]!.AsArray());

        var ada = await client.Joined(code, "Ada");
        await Until(() => grids.Any(g => g["students"]!.AsArray().Count == 1));
        // A student's step reaches the grid too.
        await client.Send(HttpMethod.Post, $"/api/sessions/{ada["session"]!["id"]}/run", ada["token"]!.GetValue<string>());
        await Until(() => grids.Any(g => g["students"]![0]?["outcome"]?.GetValue<string>() == "established"));

        Assert.True((await client.Send(HttpMethod.Post, $"/api/workshops/{id}/follow", key, new { on = true })).IsSuccessStatusCode);
        await Until(() => follows.Count == 1);
        Assert.True((await client.Send(HttpMethod.Post, $"/api/workshops/{id}/follow", key, new { on = false })).IsSuccessStatusCode);
        await Until(() => follows.Count == 2);
        Assert.Equal([templateId, null], follows.ToList());

        Assert.True((await client.Send(HttpMethod.Post, $"/api/workshops/{id}/close", key)).IsSuccessStatusCode);
        Assert.Equal(id, await closedTcs.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<HubException>(() => student.InvokeAsync<JsonNode>("JoinWorkshop", code));
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for a push");
            await Task.Delay(20);
        }
    }
}
