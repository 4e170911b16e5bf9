using System.Net;
using System.Text.Json.Nodes;

namespace ConnLab.Server.Tests;

public sealed class ErrorTests : IDisposable
{
    private readonly LabFactory _factory = new(settings: new()
    {
        ["ConnLab:MaxPayloadBytes"] = "16",
        ["ConnLab:MaxSessionsPerClient"] = "3",
    });

    public void Dispose() => _factory.Dispose();

    private async Task<LabClient> Handshake()
    {
        var lab = _factory.Lab();
        await lab.Create(new { scenario = "handshake" });
        await lab.Ok("/run");
        return lab;
    }

    private static async Task<long> EventCount(LabClient lab) => (await lab.Get())["eventCount"]!.GetValue<long>();

    [Theory]
    [InlineData("/step", "{\"count\": \"three\"}", "count")]
    [InlineData("/step", "{\"steps\": 3}", "steps")]
    [InlineData("/step", "{\"count\": ", "count")]
    [InlineData("/run", "{\"until\": \"forever\"}", "until")]
    [InlineData("/run", "{\"until\": \"state\", \"endpoint\": \"client\", \"state\": \"DANCING\"}", "state")]
    [InlineData("/advance", "{\"ms\": -5}", "ms")]
    [InlineData("/endpoints/router/connect", null, "endpoint")]
    [InlineData("/endpoints/client/teleport", null, "action")]
    [InlineData("/segments/abc/drop", null, "segmentId")]
    [InlineData("/segments/1/bend", null, "intervention")]
    [InlineData("/segments", "{\"flags\": [\"XMAS\"]}", "flags")]
    [InlineData("/endpoints/client/send", "{\"dataBase64\": \"!!\"}", "dataBase64")]
    [InlineData("/attacks/syn-flood", "{\"count\": -1}", "count")]
    [InlineData("/rewind", "{\"toStep\": 99}", "toStep")]
    public async Task Bad_input_is_400_naming_the_field_and_changes_nothing(string path, string? body, string field)
    {
        var lab = await Handshake();
        var before = await EventCount(lab);
        var problem = await lab.Problem(await lab.Post(path, body ?? (object?)null), 400);
        Assert.Equal(field, problem["field"]!.GetValue<string>());
        Assert.StartsWith("https://connlab.dev/problems/", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await EventCount(lab));
    }

    [Fact]
    public async Task Create_with_bad_fields_is_400_naming_them()
    {
        var http = _factory.CreateClient();
        foreach (var (body, field) in new[]
        {
            ("{\"profile\": \"bsd\"}", "profile"),
            ("{\"client\": {\"port\": 70000}}", "client.port"),
            ("{\"scenario\": \"time-travel\"}", "scenario"),
            ("{\"link\": {\"lossRate\": 2}}", "link.lossRate"),
            ("{\"colour\": \"blue\"}", "colour"),
            ("{\"seed\": -1}", "seed"),
        })
        {
            var response = await http.PostAsync("/api/sessions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            var problem = await new LabClient(http).Problem(response, 400);
            Assert.Equal(field, problem["field"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Missing_token_is_401_wrong_token_403_and_neither_changes_the_trace()
    {
        var lab = await Handshake();
        var other = _factory.Lab();
        await other.Create();
        var before = await EventCount(lab);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{lab.Id}/step");
        Assert.Equal("https://connlab.dev/problems/token-required",
            (await lab.Problem(await lab.Http.SendAsync(request), 401))["type"]!.GetValue<string>());
        Assert.Equal("https://connlab.dev/problems/token-rejected",
            (await lab.Problem(await lab.Post("/step", token: other.Token), 403))["type"]!.GetValue<string>());
        Assert.Equal(before, await EventCount(lab));
    }

    [Fact]
    public async Task Unknown_session_and_segment_are_404()
    {
        var lab = await Handshake();
        var missing = await lab.Problem(await lab.Http.GetAsync("/api/sessions/nosuchsession"), 404);
        Assert.Equal("https://connlab.dev/problems/session-not-found", missing["type"]!.GetValue<string>());
        var segment = await lab.Problem(await lab.Post("/segments/999/drop"), 404);
        Assert.Equal("https://connlab.dev/problems/segment-not-found", segment["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Action_the_state_forbids_is_409_naming_the_state_and_the_rfc_error()
    {
        var lab = await Handshake();
        var problem = await lab.Problem(await lab.Post("/endpoints/client/connect"), 409);
        Assert.Equal("ESTABLISHED", problem["state"]!.GetValue<string>());
        Assert.Equal("connection already exists", problem["rfcError"]!.GetValue<string>());
        await lab.Ok("/endpoints/client/close");
        var closing = await lab.Problem(await lab.Post("/endpoints/client/send", new { data = "late" }), 409);
        Assert.Equal("connection closing", closing["rfcError"]!.GetValue<string>());
    }

    [Fact]
    public async Task Oversized_payload_is_413()
    {
        var lab = await Handshake();
        var before = await EventCount(lab);
        var problem = await lab.Problem(await lab.Post("/endpoints/client/send", new { data = new string('x', 17) }), 413);
        Assert.Equal("https://connlab.dev/problems/payload-too-large", problem["type"]!.GetValue<string>());
        Assert.Equal(before, await EventCount(lab));
    }

    [Fact]
    public async Task Session_quota_per_client_is_429()
    {
        for (var i = 0; i < 3; i++)
        {
            await _factory.Lab().Create();
        }
        var http = _factory.CreateClient();
        var response = await http.PostAsync("/api/sessions", null);
        var problem = await new LabClient(http).Problem(response, 429);
        Assert.Equal("https://connlab.dev/problems/quota-exceeded", problem["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rate_limit_is_429_with_retry_after()
    {
        using var strict = new LabFactory(settings: new() { ["ConnLab:RequestsPerMinutePerClient"] = "3" });
        var http = strict.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/scenarios")).StatusCode);
        }
        var response = await http.GetAsync("/api/scenarios");
        var problem = await new LabClient(http).Problem(response, 429);
        Assert.Equal("https://connlab.dev/problems/rate-limited", problem["type"]!.GetValue<string>());
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
