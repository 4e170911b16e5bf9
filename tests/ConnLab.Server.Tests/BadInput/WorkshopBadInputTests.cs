using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace ConnLab.Server.Tests.BadInput;

/// <summary>Who a workshop request claims to be.</summary>
public enum WorkshopAuth
{
    /// <summary>No Authorization header (create and join need none).</summary>
    None,
    /// <summary>The case's own workshop's instructor key.</summary>
    Key,
    /// <summary>An Authorization header that is not a bearer token.</summary>
    NotBearer,
    /// <summary>A key no workshop has.</summary>
    Forged,
    /// <summary>The template session's token: valid for the session, not for the workshop.</summary>
    TemplateToken,
}

/// <summary>
/// One bad request to the workshop routes, against a fresh workshop (no students, follow-me off). <c>{id}</c> and
/// <c>{code}</c> in the path or body are that workshop's.
/// </summary>
public sealed record WorkshopCase(string Category, string Name, string Method, string Path, string? Body, int Status, string Type, string? Field,
    WorkshopAuth Auth = WorkshopAuth.None, string? ContentType = "application/json", bool Chunked = false);

/// <summary>The server the workshop matrix runs against: the REST matrix's limits, room for a workshop per case.</summary>
public sealed class WorkshopBadInputServer : IDisposable
{
    public KestrelLab Server { get; } = new(new()
    {
        ["ConnLab:MaxPayloadBytes"] = "1024",
        ["ConnLab:MaxSessions"] = "100000",
        ["ConnLab:MaxSessionsPerClient"] = "100000",
        ["ConnLab:MaxWorkshops"] = "100000",
        ["ConnLab:RequestsPerMinutePerClient"] = "1000000",
    });

    public HttpClient Http { get; }

    public WorkshopBadInputServer() => Http = Server.Client();

    public void Dispose()
    {
        Http.Dispose();
        Server.Dispose();
    }
}

/// <summary>
/// Every workshop route (create, join, grid, follow-me, close) against malformed, mistyped, unknown, missing, oversized
/// and non-JSON bodies, unknown workshops and codes, and missing or wrong keys: each is refused with its documented
/// status and a ProblemDetails of stable type (naming the field for 400s), and the workshop, its grid and the set of
/// sessions are exactly as they were.
/// </summary>
public sealed class WorkshopBadInputTests(WorkshopBadInputServer fixture, ITestOutputHelper output) : IClassFixture<WorkshopBadInputServer>
{
    private const string Workshops = "/api/workshops";
    private const string Join = Workshops + "/join";
    private const string W = Workshops + "/{id}";
    private static readonly string Huge = "{\"name\":\"" + new string('x', KestrelLab.BodyLimit + 100) + "\"}";

    public static IReadOnlyDictionary<string, WorkshopCase> Cases { get; } = Build();

    public static IEnumerable<object[]> CaseNames => Cases.Keys.Select(k => new object[] { k });

    private static Dictionary<string, WorkshopCase> Build()
    {
        var list = new List<WorkshopCase>();
        void Bad(string category, string route, string path, string? body, string field, string type = "invalid-request",
            WorkshopAuth auth = WorkshopAuth.None) => list.Add(new(category, $"{route} {body}", "POST", path, body, 400, type, field, auth));

        // ---- create
        const string c = "create";
        Bad("malformed-json", c, Workshops, "{\"name\": ", "name");
        Bad("malformed-json", c, Workshops, "{\"name\": \"x\",}", "body");
        Bad("wrong-type", c, Workshops, "[]", "body");
        Bad("wrong-type", c, Workshops, "{\"name\": 5}", "name");
        Bad("wrong-type", c, Workshops, "{\"client\": {\"port\": \"80\"}}", "client.port");
        Bad("unknown-field", c, Workshops, "{\"colour\": \"blue\"}", "colour");
        Bad("unknown-enum", c, Workshops, "{\"scenario\": \"time-travel\"}", "scenario");
        Bad("unknown-enum", c, Workshops, "{\"profile\": \"bsd\"}", "profile", "invalid-argument");
        Bad("overflowing-number", c, Workshops, "{\"client\": {\"port\": 70000}}", "client.port", "invalid-argument");
        Bad("negative-number", c, Workshops, "{\"link\": {\"delayMs\": -1}}", "link.delayMs", "invalid-argument");

        // ---- join (the code is the workshop's own unless the case is about the code)
        const string j = "join";
        Bad("malformed-json", j, Join, "{\"code\": ", "code");
        Bad("wrong-type", j, Join, "{\"code\": 5, \"studentName\": \"Ada\"}", "code");
        Bad("wrong-type", j, Join, "{\"code\": \"{code}\", \"studentName\": [\"Ada\"]}", "studentName");
        Bad("unknown-field", j, Join, "{\"code\": \"{code}\", \"student\": \"Ada\"}", "student");
        Bad("missing-field", j, Join, "{\"studentName\": \"Ada\"}", "code");
        Bad("missing-field", j, Join, "{\"code\": \"{code}\"}", "studentName");
        Bad("invalid-value", j, Join, "{\"code\": \"AB\", \"studentName\": \"Ada\"}", "code");
        Bad("invalid-value", j, Join, "{\"code\": \"{code}\", \"studentName\": \"   \"}", "studentName");
        Bad("invalid-value", j, Join, $"{{\"code\": \"{{code}}\", \"studentName\": \"{new string('n', 61)}\"}}", "studentName");
        list.Add(new("invalid-id", "join with a code no workshop has", "POST", Join, "{\"code\": \"{othercode}\", \"studentName\": \"Ada\"}",
            404, "workshop-not-found", null));

        // ---- the instructor's routes: keys and ids
        foreach (var (route, method, path, body) in new[]
        {
            ("grid", "GET", W, (string?)null), ("follow", "POST", W + "/follow", "{\"on\": true}"), ("close", "POST", W + "/close", null),
        })
        {
            list.Add(new("missing-token", $"{route} without a key", method, path, body, 401, "token-required", null));
            list.Add(new("missing-token", $"{route} with a non-bearer Authorization", method, path, body, 401, "token-required", null, WorkshopAuth.NotBearer));
            list.Add(new("wrong-token", $"{route} with a forged key", method, path, body, 403, "token-rejected", null, WorkshopAuth.Forged));
            list.Add(new("wrong-token", $"{route} with the template session's token", method, path, body, 403, "token-rejected", null,
                WorkshopAuth.TemplateToken));
            foreach (var id in new[] { "nosuchworkshop", new string('z', 300), "%E2%98%83" })
            {
                list.Add(new("invalid-id", $"{route} on workshop '{(id.Length > 20 ? $"{id[..5]}…({id.Length})" : id)}'", method,
                    path.Replace("{id}", id, StringComparison.Ordinal), body, 404, "workshop-not-found", null, WorkshopAuth.Key));
            }
        }

        // ---- follow-me
        const string f = "follow";
        var follow = W + "/follow";
        Bad("malformed-json", f, follow, "{\"on\": ", "on", auth: WorkshopAuth.Key);
        Bad("wrong-type", f, follow, "{\"on\": \"yes\"}", "on", auth: WorkshopAuth.Key);
        Bad("wrong-type", f, follow, "{\"sessionId\": 5}", "sessionId", auth: WorkshopAuth.Key);
        Bad("unknown-field", f, follow, "{\"session\": \"x\"}", "session", auth: WorkshopAuth.Key);
        Bad("invalid-id", f, follow, "{\"on\": true, \"sessionId\": \"nosuchsession\"}", "sessionId", auth: WorkshopAuth.Key);

        // ---- bodies over the server's limit, and bodies that are not JSON
        foreach (var (route, path, auth) in new[]
        {
            ("create", Workshops, WorkshopAuth.None), ("join", Join, WorkshopAuth.None), ("follow", follow, WorkshopAuth.Key),
            ("close", W + "/close", WorkshopAuth.Key),
        })
        {
            list.Add(new("huge-body", $"{route} with a {Huge.Length}-octet body", "POST", path, Huge, 413, "payload-too-large", "body", auth));
            list.Add(new("huge-body", $"{route} with a {Huge.Length}-octet chunked body", "POST", path, Huge, 413, "payload-too-large", "body", auth,
                Chunked: true));
        }
        foreach (var (route, path, auth, type) in new[]
        {
            ("create", Workshops, WorkshopAuth.None, "text/plain"), ("join", Join, WorkshopAuth.None, "application/x-www-form-urlencoded"),
            ("follow", follow, WorkshopAuth.Key, "application/xml"),
        })
        {
            list.Add(new("media-type", $"{route} as {type}", "POST", path, "{}", 415, "unsupported-media-type", null, auth, ContentType: type));
        }

        var cases = new Dictionary<string, WorkshopCase>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            cases[$"{item.Category}: {item.Name} → {item.Status}"] = item;
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Bad_workshop_input_is_refused_with_its_documented_problem_and_changes_nothing(string name)
    {
        var c = Cases[name];
        var http = fixture.Http;
        var (id, code, key, templateToken) = await CreateWorkshop(http);
        var otherCode = code == "ZZZZZZ" ? "YYYYYY" : "ZZZZZZ";
        var before = await Fingerprint(id, key);

        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path.Replace("{id}", id, StringComparison.Ordinal));
        if (c.Body is not null)
        {
            var body = c.Body.Replace("{code}", code, StringComparison.Ordinal).Replace("{othercode}", otherCode, StringComparison.Ordinal);
            BadRequests.SetBody(request, Encoding.UTF8.GetBytes(body), c.ContentType, c.Chunked);
        }
        request.Headers.Authorization = c.Auth switch
        {
            WorkshopAuth.Key => new AuthenticationHeaderValue("Bearer", key),
            WorkshopAuth.NotBearer => new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz"),
            WorkshopAuth.Forged => new AuthenticationHeaderValue("Bearer", "forged-key-000000000000000000000000000000000"),
            WorkshopAuth.TemplateToken => new AuthenticationHeaderValue("Bearer", templateToken),
            _ => null,
        };
        using var response = await http.SendAsync(request);
        await BadRequests.AssertRefused(response, c.Status, c.Type, c.Field);
        Assert.Equal(before, await Fingerprint(id, key));
    }

    [Fact]
    public void The_workshop_matrix_covers_every_route_and_refusal_and_reports_its_totals()
    {
        var cases = Cases.Values.ToList();
        output.WriteLine($"workshop bad-input cases: {cases.Count}");
        foreach (var g in cases.GroupBy(c => c.Category).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {g.Key}: {g.Count()}");
        }
        Assert.Equal([400, 401, 403, 404, 413, 415], cases.Select(c => c.Status).Distinct().Order());
        Assert.Equal(["close", "create", "follow", "grid", "join"], cases.Select(c => c.Name.Split(' ')[0]).Distinct().Order(StringComparer.Ordinal));
    }

    private static async Task<(string Id, string Code, string Key, string TemplateToken)> CreateWorkshop(HttpClient http)
    {
        var response = await http.PostAsJsonAsync(Workshops, new { scenario = "handshake", name = "bad input" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, text);
        var created = JsonNode.Parse(text)!;
        return (created["workshop"]!["id"]!.GetValue<string>(), created["workshop"]!["code"]!.GetValue<string>(),
            created["instructorKey"]!.GetValue<string>(), created["templateToken"]!.GetValue<string>());
    }

    /// <summary>What a refused call must leave as it was: the instructor's grid (students, follow-me, open) and the number of sessions.</summary>
    private async Task<string> Fingerprint(string id, string key)
    {
        using var grid = new HttpRequestMessage(HttpMethod.Get, $"{Workshops}/{id}");
        grid.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await fixture.Http.SendAsync(grid);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return $"{text}\nsessions: {fixture.Server.SessionCount}";
    }
}
