using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace ConnLab.Server.Tests.BadInput;

/// <summary>Who the request claims to be.</summary>
public enum Auth
{
    /// <summary>The case's own session's token.</summary>
    Own,
    /// <summary>No Authorization header.</summary>
    None,
    /// <summary>An Authorization header that is not a bearer token.</summary>
    NotBearer,
    /// <summary>A token no session has.</summary>
    Forged,
    /// <summary>Another session's (valid) token.</summary>
    Other,
}

/// <summary>
/// One bad REST request against a fresh "handshake" session (client SYN_SENT, server LISTEN, the SYN — segment 1 — in
/// flight, step 0) and the refusal it must get. <c>{id}</c> in the path is the session's id.
/// </summary>
public sealed record RestCase(string Category, string Name, string Method, string Path, string? Body, int Status, string Type, string? Field,
    Auth Auth = Auth.Own, string? ContentType = "application/json", bool Chunked = false);

/// <summary>The REST server the matrix runs against: a 64 KiB body limit, 1 KiB payloads, no quota or rate limit in the way.</summary>
public sealed class RestBadInputServer : IAsyncLifetime
{
    public KestrelLab Server { get; } = new(new()
    {
        ["ConnLab:MaxPayloadBytes"] = "1024",
        ["ConnLab:MaxSessions"] = "100000",
        ["ConnLab:MaxSessionsPerClient"] = "100000",
        ["ConnLab:RequestsPerMinutePerClient"] = "1000000",
    });

    public HttpClient Http { get; private set; } = null!;
    public string OtherToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Http = Server.Client();
        (_, OtherToken) = await KestrelLab.Create(Http);
    }

    public Task DisposeAsync()
    {
        Http.Dispose();
        Server.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// Every REST route against malformed, mistyped, missing, unknown, oversized, negative, overflowing and unknown-enum
/// input, bad ids and bad tokens: each is refused with its documented status and a ProblemDetails of stable type (naming
/// the field for 400s), and the session (and the set of sessions) is exactly as it was.
/// </summary>
public sealed class RestBadInputTests(RestBadInputServer fixture, ITestOutputHelper output) : IClassFixture<RestBadInputServer>
{
    private const string Sessions = "/api/sessions";
    private const string S = "/api/sessions/{id}";
    private static readonly string Huge = "{\"data\":\"" + new string('x', KestrelLab.BodyLimit + 100) + "\"}";
    private static readonly string BigPayload = new('p', 2000);

    /// <summary>Mutating routes with a body that is valid, so that only the token or the id is wrong.</summary>
    private static readonly (string Route, string Method, string Path, string? Body)[] Mutating =
    [
        ("delete", "DELETE", S, null),
        ("listen", "POST", S + "/endpoints/server/listen", null),
        ("connect", "POST", S + "/endpoints/client/connect", null),
        ("send", "POST", S + "/endpoints/client/send", "{\"data\":\"x\"}"),
        ("close", "POST", S + "/endpoints/client/close", null),
        ("abort", "POST", S + "/endpoints/client/abort", null),
        ("shutdown", "POST", S + "/endpoints/client/shutdown", null),
        ("accept", "POST", S + "/endpoints/server/accept", null),
        ("read", "POST", S + "/endpoints/client/read", null),
        ("step", "POST", S + "/step", "{\"count\":1}"),
        ("run", "POST", S + "/run", "{}"),
        ("advance", "POST", S + "/advance", "{\"ms\":1}"),
        ("drop", "POST", S + "/segments/1/drop", null),
        ("duplicate", "POST", S + "/segments/1/duplicate", null),
        ("inject", "POST", S + "/segments", "{\"flags\":[\"RST\"]}"),
        ("syn-flood", "POST", S + "/attacks/syn-flood", "{\"count\":1}"),
        ("rewind", "POST", S + "/rewind", "{\"toStep\":0}"),
        ("fork", "POST", S + "/fork", "{\"atStep\":0}"),
        ("live", "POST", S + "/live", "{\"speed\":0}"),
    ];

    private static readonly (string Route, string Path)[] Reads =
    [
        ("get", S), ("events", S + "/events"), ("trace", S + "/trace"), ("trace.pcap", S + "/trace.pcap"), ("netstat", S + "/netstat"), ("diagram.mmd", S + "/diagram.mmd"),
    ];

    private static readonly string[] BadIds = ["nosuchsession", new string('z', 300), "%E2%98%83", "a%2Fb"];

    public static IReadOnlyDictionary<string, RestCase> Cases { get; } = Build();

    public static IEnumerable<object[]> CaseNames => Cases.Keys.Select(k => new object[] { k });

    private static Dictionary<string, RestCase> Build()
    {
        var list = new List<RestCase>();
        void Bad(string category, string route, string path, string? body, string field, string type = "invalid-request") =>
            list.Add(new(category, $"{route} {body}", "POST", path, body, 400, type, field));

        // ---- tokens and ids, on every route that takes them
        foreach (var (route, method, path, body) in Mutating)
        {
            list.Add(new("missing-token", $"{route} without a token", method, path, body, 401, "token-required", null, Auth.None));
            list.Add(new("missing-token", $"{route} with a non-bearer Authorization", method, path, body, 401, "token-required", null, Auth.NotBearer));
            list.Add(new("wrong-token", $"{route} with a forged token", method, path, body, 403, "token-rejected", null, Auth.Forged));
            list.Add(new("other-session-token", $"{route} with another session's token", method, path, body, 403, "token-rejected", null, Auth.Other));
            list.Add(new("invalid-id", $"{route} on an unknown session", method, path.Replace("{id}", "nosuchsession", StringComparison.Ordinal), body,
                404, "session-not-found", null));
        }
        foreach (var (route, path) in Reads.Append(("delete", S)))
        {
            foreach (var id in BadIds)
            {
                list.Add(new("invalid-id", $"{route} on id '{(id.Length > 20 ? $"{id[..5]}…({id.Length})" : id)}'", route == "delete" ? "DELETE" : "GET",
                    path.Replace("{id}", id, StringComparison.Ordinal), null, 404, "session-not-found", null));
            }
        }

        // ---- create
        const string c = "create";
        Bad("malformed-json", c, Sessions, "{\"name\": ", "name");
        Bad("malformed-json", c, Sessions, "{\"name\": \"x\",}", "body");
        Bad("malformed-json", c, Sessions, "{'name': 'x'}", "body");
        Bad("malformed-json", c, Sessions, "{\"name\": \"x\"} {}", "body");
        Bad("wrong-type", c, Sessions, "[]", "body");
        Bad("wrong-type", c, Sessions, "\"handshake\"", "body");
        Bad("wrong-type", c, Sessions, "null", "body");
        Bad("wrong-type", c, Sessions, "{\"name\": 5}", "name");
        Bad("wrong-type", c, Sessions, "{\"profile\": 5}", "profile");
        Bad("wrong-type", c, Sessions, "{\"seed\": \"42\"}", "seed");
        Bad("wrong-type", c, Sessions, "{\"client\": 5}", "client");
        Bad("wrong-type", c, Sessions, "{\"client\": {\"port\": \"80\"}}", "client.port");
        Bad("wrong-type", c, Sessions, "{\"server\": {\"synCookies\": \"yes\"}}", "server.synCookies");
        Bad("wrong-type", c, Sessions, "{\"link\": {\"lossRate\": \"high\"}}", "link.lossRate");
        Bad("wrong-type", c, Sessions, "{\"overrides\": {\"mss\": true}}", "overrides.mss");
        Bad("unknown-field", c, Sessions, "{\"colour\": \"blue\"}", "colour");
        Bad("unknown-field", c, Sessions, "{\"client\": {\"mac\": \"00:11\"}}", "client.mac");
        Bad("unknown-field", c, Sessions, "{\"link\": {\"latencyMs\": 5}}", "link.latencyMs");
        Bad("unknown-field", c, Sessions, "{\"overrides\": {\"cwnd\": 10}}", "overrides.cwnd");
        Bad("negative-number", c, Sessions, "{\"seed\": -1}", "seed");
        Bad("negative-number", c, Sessions, "{\"client\": {\"port\": -1}}", "client.port", "invalid-argument");
        Bad("negative-number", c, Sessions, "{\"client\": {\"isn\": -1}}", "client.isn", "invalid-argument");
        Bad("negative-number", c, Sessions, "{\"server\": {\"backlog\": -1}}", "server.backlog", "invalid-argument");
        Bad("negative-number", c, Sessions, "{\"link\": {\"delayMs\": -1}}", "link.delayMs", "invalid-argument");
        Bad("negative-number", c, Sessions, "{\"overrides\": {\"synRetries\": -1}}", "overrides.synRetries", "invalid-argument");
        Bad("overflowing-number", c, Sessions, "{\"seed\": 1e400}", "seed");
        Bad("overflowing-number", c, Sessions, "{\"seed\": 18446744073709551616}", "seed");
        Bad("overflowing-number", c, Sessions, "{\"client\": {\"port\": 70000}}", "client.port", "invalid-argument");
        Bad("overflowing-number", c, Sessions, "{\"client\": {\"port\": 2147483648}}", "client.port");
        Bad("overflowing-number", c, Sessions, "{\"client\": {\"isn\": 4294967296}}", "client.isn", "invalid-argument");
        Bad("overflowing-number", c, Sessions, "{\"client\": {\"isn\": 9223372036854775808}}", "client.isn");
        Bad("overflowing-number", c, Sessions, "{\"link\": {\"delayMs\": 1e400}}", "link.delayMs", "invalid-argument");
        Bad("overflowing-number", c, Sessions, "{\"link\": {\"lossRate\": 2}}", "link.lossRate", "invalid-argument");
        Bad("overflowing-number", c, Sessions, "{\"overrides\": {\"mss\": 2147483648}}", "overrides.mss");
        Bad("unknown-enum", c, Sessions, "{\"profile\": \"bsd\"}", "profile", "invalid-argument");
        Bad("unknown-enum", c, Sessions, "{\"profile\": \"\"}", "profile", "invalid-argument");
        Bad("unknown-enum", c, Sessions, "{\"scenario\": \"time-travel\"}", "scenario");
        Bad("invalid-value", c, Sessions, "{\"client\": {\"address\": \"999.1.1.1\"}}", "client.address", "invalid-argument");
        Bad("invalid-value", c, Sessions, "{\"server\": {\"address\": \"10.0.0.1\"}}", "server.address", "invalid-argument");

        // ---- endpoint actions
        var send = S + "/endpoints/client/send";
        Bad("malformed-json", "send", send, "{\"data\": ", "data");
        Bad("wrong-type", "send", send, "{\"data\": 5}", "data");
        Bad("wrong-type", "send", send, "{\"dataBase64\": [1,2]}", "dataBase64");
        Bad("unknown-field", "send", send, "{\"text\": \"hi\"}", "text");
        Bad("missing-field", "send", send, "{}", "data", "invalid-argument");
        Bad("missing-field", "send", send, "{\"data\": \"\"}", "data", "invalid-argument");
        Bad("invalid-value", "send", send, "{\"data\": \"a\", \"dataBase64\": \"YQ==\"}", "data");
        Bad("invalid-value", "send", send, "{\"dataBase64\": \"!!\"}", "dataBase64");
        list.Add(new("payload-too-large", "send 2000 octets (limit 1024)", "POST", send, $"{{\"data\": \"{BigPayload}\"}}", 413, "payload-too-large", "data"));
        list.Add(new("unknown-enum", "act on endpoint 'router'", "POST", S + "/endpoints/router/connect", null, 400, "invalid-request", "endpoint"));
        list.Add(new("unknown-enum", "act on endpoint 'CLIENTS'", "POST", S + "/endpoints/CLIENTS/connect", null, 400, "invalid-request", "endpoint"));
        list.Add(new("unknown-enum", "action 'teleport'", "POST", S + "/endpoints/client/teleport", null, 400, "invalid-request", "action"));
        foreach (var max in new[] { "-1", "abc", "99999999999", "1e400" })
        {
            list.Add(new(max == "-1" ? "negative-number" : max == "abc" ? "wrong-type" : "overflowing-number", $"read maxBytes={max}", "POST",
                S + $"/endpoints/client/read?maxBytes={max}", null, 400, "invalid-request", "maxBytes"));
        }
        foreach (var (action, endpoint, state, type) in new[]
        {
            ("listen", "client", "SYN_SENT", "connection-already-exists"), ("connect", "client", "SYN_SENT", "connection-already-exists"),
            ("listen", "server", "LISTEN", "connection-already-exists"), ("connect", "server", "LISTEN", "illegal-in-state"),
            ("accept", "server", "LISTEN", "illegal-in-state"), ("read", "server", "LISTEN", "connection-does-not-exist"),
        })
        {
            list.Add(new("state", $"{action} on the {endpoint} in {state}", "POST", S + $"/endpoints/{endpoint}/{action}", null, 409, type, null));
        }
        list.Add(new("state", "send on the listening server", "POST", S + "/endpoints/server/send", "{\"data\":\"x\"}", 409, "illegal-in-state", null));

        // ---- moving time
        var step = S + "/step";
        Bad("malformed-json", "step", step, "{\"count\": ", "count");
        Bad("malformed-json", "step", step, "{\"count\": 1}{", "body");
        Bad("malformed-json", "step", step, "{\"count\": 1,}", "body");
        Bad("malformed-json", "step", step, "{count: 1}", "body");
        Bad("wrong-type", "step", step, "[1]", "body");
        Bad("wrong-type", "step", step, "null", "body");
        Bad("wrong-type", "step", step, "{\"count\": \"three\"}", "count");
        Bad("wrong-type", "step", step, "{\"count\": 1.5}", "count");
        Bad("wrong-type", "step", step, "{\"count\": null}", "count");
        Bad("unknown-field", "step", step, "{\"steps\": 3}", "steps");
        Bad("negative-number", "step", step, "{\"count\": -1}", "count", "invalid-argument");
        Bad("negative-number", "step", step, "{\"count\": 0}", "count", "invalid-argument");
        Bad("overflowing-number", "step", step, "{\"count\": 100001}", "count", "invalid-argument");
        Bad("overflowing-number", "step", step, "{\"count\": 2147483648}", "count");
        Bad("overflowing-number", "step", step, "{\"count\": 9223372036854775808}", "count");
        Bad("overflowing-number", "step", step, "{\"count\": 1e400}", "count");
        var run = S + "/run";
        Bad("wrong-type", "run", run, "{\"until\": 5}", "until");
        Bad("wrong-type", "run", run, "{\"maxSteps\": \"many\"}", "maxSteps");
        Bad("unknown-field", "run", run, "{\"forever\": true}", "forever");
        Bad("unknown-enum", "run", run, "{\"until\": \"forever\"}", "until");
        Bad("unknown-enum", "run", run, "{\"until\": null}", "until");
        Bad("unknown-enum", "run", run, "{\"until\": \"state\", \"endpoint\": \"client\", \"state\": \"DANCING\"}", "state");
        Bad("unknown-enum", "run", run, "{\"until\": \"state\", \"endpoint\": \"router\", \"state\": \"ESTABLISHED\"}", "endpoint");
        Bad("missing-field", "run", run, "{\"until\": \"state\", \"state\": \"ESTABLISHED\"}", "endpoint");
        Bad("missing-field", "run", run, "{\"until\": \"state\", \"endpoint\": \"client\"}", "state");
        Bad("negative-number", "run", run, "{\"maxSteps\": -1}", "maxSteps", "invalid-argument");
        Bad("overflowing-number", "run", run, "{\"maxSteps\": 100001}", "maxSteps", "invalid-argument");
        Bad("overflowing-number", "run", run, "{\"maxSteps\": 9223372036854775808}", "maxSteps");
        var advance = S + "/advance";
        Bad("missing-field", "advance", advance, "{}", "ms");
        Bad("missing-field", "advance", advance, "", "ms");
        Bad("wrong-type", "advance", advance, "{\"ms\": \"5\"}", "ms");
        Bad("wrong-type", "advance", advance, "{\"ms\": null}", "ms");
        Bad("wrong-type", "advance", advance, "{\"ms\": \"NaN\"}", "ms");
        Bad("unknown-field", "advance", advance, "{\"ms\": 5, \"seconds\": 1}", "seconds");
        Bad("negative-number", "advance", advance, "{\"ms\": -5}", "ms", "invalid-argument");
        Bad("overflowing-number", "advance", advance, "{\"ms\": 1e400}", "ms", "invalid-argument");
        Bad("overflowing-number", "advance", advance, "{\"ms\": 86400001}", "ms", "invalid-argument");

        // ---- the wire
        foreach (var (segment, category) in new[] { ("abc", "wrong-type"), ("0", "negative-number"), ("-1", "negative-number"), ("1.5", "wrong-type"),
            ("9223372036854775808", "overflowing-number") })
        {
            list.Add(new(category, $"drop segment '{segment}'", "POST", S + $"/segments/{segment}/drop", null, 400, "invalid-request", "segmentId"));
        }
        list.Add(new("unknown-enum", "intervention 'bend'", "POST", S + "/segments/1/bend", null, 400, "invalid-request", "intervention"));
        list.Add(new("invalid-id", "drop a segment that is not in flight", "POST", S + "/segments/999/drop", null, 404, "segment-not-found", "segmentId"));
        list.Add(new("invalid-id", "duplicate a segment that is not in flight", "POST", S + "/segments/999/duplicate", null, 404, "segment-not-found", "segmentId"));
        var inject = S + "/segments";
        Bad("malformed-json", "inject", inject, "{\"flags\": [\"RST\"", "flags[1]");
        Bad("wrong-type", "inject", inject, "{\"from\": 5}", "from");
        Bad("wrong-type", "inject", inject, "{\"flags\": \"RST\"}", "flags");
        Bad("wrong-type", "inject", inject, "{\"flags\": [5]}", "flags[0]");
        Bad("wrong-type", "inject", inject, "{\"seq\": \"1\"}", "seq");
        Bad("unknown-field", "inject", inject, "{\"ttl\": 64}", "ttl");
        Bad("unknown-enum", "inject", inject, "{\"from\": \"router\"}", "from");
        Bad("unknown-enum", "inject", inject, "{\"from\": null}", "from");
        Bad("unknown-enum", "inject", inject, "{\"flags\": [\"XMAS\"]}", "flags");
        Bad("unknown-enum", "inject", inject, "{\"flags\": [null]}", "flags");
        Bad("negative-number", "inject", inject, "{\"seq\": -1}", "seq", "invalid-argument");
        Bad("negative-number", "inject", inject, "{\"window\": -1}", "window", "invalid-argument");
        Bad("overflowing-number", "inject", inject, "{\"seq\": 4294967296}", "seq", "invalid-argument");
        Bad("overflowing-number", "inject", inject, "{\"ack\": 9223372036854775808}", "ack");
        Bad("overflowing-number", "inject", inject, "{\"window\": 70000}", "window", "invalid-argument");
        Bad("invalid-value", "inject", inject, "{\"src\": \"1.2.3.4\"}", "src", "invalid-argument");
        Bad("invalid-value", "inject", inject, "{\"dst\": \"nowhere:80\"}", "dst", "invalid-argument");
        list.Add(new("payload-too-large", "inject 2000 octets (limit 1024)", "POST", inject, $"{{\"data\": \"{BigPayload}\"}}", 413, "payload-too-large", "data"));
        var flood = S + "/attacks/syn-flood";
        Bad("wrong-type", "syn-flood", flood, "{\"count\": \"many\"}", "count");
        Bad("wrong-type", "syn-flood", flood, "{\"spoofed\": \"yes\"}", "spoofed");
        Bad("unknown-field", "syn-flood", flood, "{\"rate\": 10}", "rate");
        Bad("negative-number", "syn-flood", flood, "{\"count\": -1}", "count", "invalid-argument");
        Bad("negative-number", "syn-flood", flood, "{\"count\": 0}", "count", "invalid-argument");
        Bad("overflowing-number", "syn-flood", flood, "{\"count\": 1e400}", "count");
        list.Add(new("overflowing-number", "syn-flood {\"count\": 100001} (over MaxFloodSize)", "POST", flood, "{\"count\": 100001}", 429, "limit-exceeded", "count"));

        // ---- time travel and live mode
        foreach (var (route, field) in new[] { ("rewind", "toStep"), ("fork", "atStep") })
        {
            var path = S + "/" + route;
            Bad("missing-field", route, path, "{}", field);
            Bad("missing-field", route, path, "", field);
            Bad("wrong-type", route, path, $"{{\"{field}\": \"0\"}}", field);
            Bad("wrong-type", route, path, $"{{\"{field}\": 1.5}}", field);
            Bad("unknown-field", route, path, $"{{\"{field}\": 0, \"label\": \"x\"}}", "label");
            Bad("negative-number", route, path, $"{{\"{field}\": -1}}", field, "step-out-of-range");
            Bad("past-the-end", route, path, $"{{\"{field}\": 1}}", field, "step-out-of-range");
            Bad("past-the-end", route, path, $"{{\"{field}\": 99}}", field, "step-out-of-range");
            Bad("overflowing-number", route, path, $"{{\"{field}\": 9223372036854775807}}", field, "step-out-of-range");
            Bad("overflowing-number", route, path, $"{{\"{field}\": 9223372036854775808}}", field);
        }
        var live = S + "/live";
        Bad("wrong-type", "live", live, "{\"speed\": \"fast\"}", "speed");
        Bad("unknown-field", "live", live, "{\"speed\": 1, \"rate\": 2}", "rate");
        Bad("negative-number", "live", live, "{\"speed\": -1}", "speed");
        Bad("overflowing-number", "live", live, "{\"speed\": 1001}", "speed");
        Bad("overflowing-number", "live", live, "{\"speed\": 1e400}", "speed");

        // ---- the trace
        foreach (var (query, field, category) in new[]
        {
            ("from=abc", "from", "wrong-type"), ("from=-1", "from", "negative-number"), ("from=9223372036854775808", "from", "overflowing-number"),
            ("from=1&from=2", "from", "wrong-type"), ("limit=0", "limit", "negative-number"), ("limit=-5", "limit", "negative-number"),
            ("limit=1001", "limit", "overflowing-number"), ("limit=1e400", "limit", "overflowing-number"), ("limit=ten", "limit", "wrong-type"),
        })
        {
            list.Add(new(category, $"events?{query}", "GET", S + $"/events?{query}", null, 400, "invalid-request", field));
        }
        foreach (var (query, category) in new[]
        {
            ("from=abc", "wrong-type"), ("from=-1", "negative-number"), ("from=9223372036854775808", "overflowing-number"), ("from=1&from=2", "wrong-type"),
        })
        {
            list.Add(new(category, $"trace?{query}", "GET", S + $"/trace?{query}", null, 400, "invalid-request", "from"));
        }

        // ---- bodies over the server's limit, on routes that read a body and on routes that never do
        foreach (var (route, method, path) in new[]
        {
            ("create", "POST", Sessions), ("send", "POST", send), ("step", "POST", step), ("run", "POST", run), ("advance", "POST", advance),
            ("inject", "POST", inject), ("syn-flood", "POST", flood), ("rewind", "POST", S + "/rewind"), ("fork", "POST", S + "/fork"),
            ("live", "POST", live), ("listen", "POST", S + "/endpoints/server/listen"), ("drop", "POST", S + "/segments/1/drop"),
            ("delete", "DELETE", S),
        })
        {
            list.Add(new("huge-body", $"{route} with a {Huge.Length}-octet body", method, path, Huge, 413, "payload-too-large", "body"));
            // Chunked: no declared length to refuse up front, so the server counts the octets as they come.
            list.Add(new("huge-body", $"{route} with a {Huge.Length}-octet chunked body", method, path, Huge, 413, "payload-too-large", "body", Chunked: true));
        }

        // ---- bodies that are not JSON
        foreach (var (route, path, type) in new[]
        {
            ("create", Sessions, "text/plain"), ("step", step, "text/plain"), ("send", send, "application/xml"),
            ("run", run, "application/vnd.connlab+json"), ("inject", inject, "application/x-www-form-urlencoded"),
            ("rewind", S + "/rewind", "multipart/form-data; boundary=x"),
        })
        {
            // Routing refuses what the route does not accept; a +json type gets past routing and the reader refuses it, naming the body.
            list.Add(new("media-type", $"{route} as {type}", "POST", path, "{}", 415, "unsupported-media-type", type.EndsWith("+json", StringComparison.Ordinal) ? "body" : null,
                ContentType: type));
        }

        var cases = new Dictionary<string, RestCase>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            var name = $"{item.Category}: {item.Name} → {item.Status}";
            for (var n = 2; cases.ContainsKey(name); n++)
            {
                name = $"{item.Category}: {item.Name} → {item.Status} #{n}";
            }
            cases[name] = item;
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Bad_rest_input_is_refused_with_its_documented_problem_and_changes_nothing(string name)
    {
        var c = Cases[name];
        var http = fixture.Http;
        var (id, token) = await KestrelLab.Create(http);
        var before = await Fingerprint(id);

        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path.Replace("{id}", id, StringComparison.Ordinal));
        if (c.Body is not null)
        {
            BadRequests.SetBody(request, Encoding.UTF8.GetBytes(c.Body), c.ContentType, c.Chunked);
        }
        request.Headers.Authorization = c.Auth switch
        {
            Auth.Own => new AuthenticationHeaderValue("Bearer", token),
            Auth.NotBearer => new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz"),
            Auth.Forged => new AuthenticationHeaderValue("Bearer", "forged-token-0000000000000000000000000000000"),
            Auth.Other => new AuthenticationHeaderValue("Bearer", fixture.OtherToken),
            _ => null,
        };
        using var response = await http.SendAsync(request);
        var problem = await BadRequests.AssertRefused(response, c.Status, c.Type, c.Field);
        if (c.Status == 409)
        {
            Assert.NotNull(problem["state"]);
        }
        Assert.Equal(before, await Fingerprint(id));
    }

    [Fact]
    public void The_rest_matrix_covers_every_documented_refusal_and_reports_its_totals()
    {
        var cases = Cases.Values.ToList();
        output.WriteLine($"REST bad-input cases: {cases.Count}");
        foreach (var g in cases.GroupBy(c => c.Status).OrderBy(g => g.Key))
        {
            output.WriteLine($"  status {g.Key}: {g.Count()}");
        }
        foreach (var g in cases.GroupBy(c => c.Category).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {g.Key}: {g.Count()}");
        }
        Assert.Equal([400, 401, 403, 404, 409, 413, 415, 429], cases.Select(c => c.Status).Distinct().Order());
        var routes = Mutating.Select(m => m.Route).Concat(Reads.Select(r => r.Route)).Append("create").ToList();
        Assert.Equal(26, routes.Distinct().Count()); // every route of SessionsApi except the two that take no input (list, scenarios)
    }

    /// <summary>Everything a refused call must leave as it was: the snapshot JSON (eventCount, step, …), the command log and the sessions.</summary>
    private async Task<string> Fingerprint(string id)
    {
        var snapshot = await fixture.Http.GetStringAsync($"/api/sessions/{id}");
        return $"{snapshot} commands={fixture.Server.CommandCount(id)} sessions={fixture.Server.SessionCount}";
    }
}

