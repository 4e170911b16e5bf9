using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ConnLab.Engine.Export;

namespace ConnLab.Server.Tests;

public sealed class SessionRouteTests : IDisposable
{
    private readonly LabFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static readonly object Isns = new { client = new { isn = 1000 }, server = new { isn = 5000 } };

    [Fact]
    public async Task Handshake_through_rest_sends_syn_syn_ack_ack_and_establishes_both_ends()
    {
        var lab = _factory.Lab();
        await lab.Create(Isns);
        Assert.Equal("LISTEN", LabClient.State(await lab.Ok("/endpoints/server/listen"), "server"));
        var connect = await lab.Ok("/endpoints/client/connect");
        Assert.Equal(["client SYN seq=1000 ack=0 len=0"], LabClient.Sent(connect));
        Assert.Equal("SYN_SENT", LabClient.State(connect, "client"));
        var step = await lab.Ok("/step");
        Assert.Equal(["server ACK,SYN seq=5000 ack=1001 len=0"], LabClient.Sent(step));
        Assert.Equal("SYN_RECEIVED", LabClient.State(step, "server"));
        step = await lab.Ok("/step", new { count = 1 });
        Assert.Equal(["client ACK seq=1001 ack=5001 len=0"], LabClient.Sent(step));
        Assert.Equal("ESTABLISHED", LabClient.State(step, "client"));
        step = await lab.Ok("/step");
        Assert.Equal(("ESTABLISHED", "ESTABLISHED"), (LabClient.State(step, "client"), LabClient.State(step, "server")));
        var changed = step["events"]!.AsArray().Single(e => e!["kind"]!.GetValue<string>() == "state-changed")!;
        Assert.Equal(("SYN_RECEIVED", "ESTABLISHED"), (changed["from"]!.GetValue<string>(), changed["to"]!.GetValue<string>()));
        Assert.Contains("RFC 9293", changed["explanation"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teardown_scenario_runs_to_time_wait_with_four_segments()
    {
        var lab = _factory.Lab();
        var created = await lab.Create(new { scenario = "teardown", client = new { isn = 1000 }, server = new { isn = 5000 } });
        Assert.Equal("FIN_WAIT_1", LabClient.State(created["session"]!, "client"));
        var run = await lab.Ok("/run", new { until = "state", endpoint = "client", state = "FIN_WAIT_2" });
        Assert.Equal(["server ACK seq=5001 ack=1002 len=0"], LabClient.Sent(run));
        Assert.Equal("CLOSE_WAIT", LabClient.State(run, "server"));
        Assert.Equal(["server ACK,FIN seq=5001 ack=1002 len=0"], LabClient.Sent(await lab.Ok("/endpoints/server/close")));
        var end = await lab.Ok("/run");
        Assert.Equal(["client ACK seq=1002 ack=5002 len=0"], LabClient.Sent(end));
        Assert.Equal("TIME_WAIT", LabClient.State(end, "client"));
        Assert.Equal("idle", end["stop"]!.GetValue<string>());
    }

    [Fact]
    public async Task Syn_flood_fills_the_syn_queue_and_netstat_lists_syn_recv()
    {
        var lab = _factory.Lab();
        await lab.Create(new { profile = "linux", server = new { backlog = 4, synCookies = false } });
        await lab.Ok("/endpoints/server/listen");
        await lab.Ok("/attacks/syn-flood", new { count = 20 });
        var run = await lab.Ok("/advance", new { ms = 50 });
        var listener = run["session"]!["listener"]!;
        Assert.Equal(5, listener["synQueue"]!.GetValue<int>()); // Linux: backlog + 1
        Assert.Equal(15, listener["synQueueDrops"]!.GetValue<int>());
        var netstat = await _factory.CreateClient().GetStringAsync($"/api/sessions/{lab.Id}/netstat");
        Assert.Equal(5, netstat.Split('\n').Count(l => l.EndsWith(" SYN_RECV", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Drop_duplicate_inject_and_paged_events_work_on_in_flight_segments()
    {
        var lab = _factory.Lab();
        await lab.Create(Isns);
        await lab.Ok("/endpoints/server/listen");
        var syn = (await lab.Ok("/endpoints/client/connect"))["session"]!["inFlight"]![0]!["segment"]!["id"]!.GetValue<long>();
        var dup = await lab.Ok($"/segments/{syn}/duplicate");
        Assert.Equal(2, dup["session"]!["inFlight"]!.AsArray().Count);
        var drop = await lab.Ok($"/segments/{syn}/drop");
        Assert.Single(drop["session"]!["inFlight"]!.AsArray());
        var inject = await lab.Ok("/segments", new { from = "client", flags = new[] { "RST" }, seq = 77 });
        Assert.Contains(inject["events"]!.AsArray(), e => e!["endpoint"]!.GetValue<string>() == "attacker");
        var page = await lab.Get("/events?from=2&limit=3");
        Assert.Equal([2L, 3L, 4L], page["events"]!.AsArray().Select(e => e!["index"]!.GetValue<long>()));
        Assert.Equal(5, page["next"]!.GetValue<long>());
    }

    [Fact]
    public async Task Events_carry_their_payload_in_base64_and_in_flight_segments_carry_none()
    {
        var lab = _factory.Lab();
        await lab.Create(Isns);
        await lab.Ok("/endpoints/server/listen");
        await lab.Ok("/endpoints/client/connect");
        await lab.Ok("/run");
        var send = await lab.Ok("/endpoints/client/send", new { data = "hello" });

        var sent = send["events"]!.AsArray().Single(e => e!["kind"]!.GetValue<string>() == "segment-sent")!["segment"]!;
        Assert.Equal("aGVsbG8=", sent["payloadBase64"]!.GetValue<string>());
        var inFlight = send["session"]!["inFlight"]!.AsArray().Single()!["segment"]!.AsObject();
        Assert.Equal(sent["id"]!.GetValue<long>(), inFlight["id"]!.GetValue<long>());
        Assert.False(inFlight.ContainsKey("payloadBase64"));
        // The same segment, listed again by the next answer while still in flight, and its delivery event with the octets.
        var again = (await lab.Get())["inFlight"]!.AsArray().Single()!["segment"]!.AsObject();
        Assert.False(again.ContainsKey("payloadBase64"));
        var delivered = (await lab.Ok("/step"))["events"]!.AsArray().First(e => e!["kind"]!.GetValue<string>() == "segment-delivered")!["segment"]!;
        Assert.Equal("aGVsbG8=", delivered["payloadBase64"]!.GetValue<string>());
        var ack = (await lab.Ok("/step"))["events"]!.AsArray().First(e => e!["kind"]!.GetValue<string>() == "segment-delivered")!["segment"]!;
        Assert.Equal(("", 0), (ack["payloadBase64"]!.GetValue<string>(), ack["len"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Trace_reads_the_snapshot_and_every_event_from_an_index_in_one_answer()
    {
        var lab = _factory.Lab();
        await lab.Create(Isns);
        await lab.Ok("/endpoints/server/listen");
        await lab.Ok("/endpoints/client/connect");
        await lab.Ok("/endpoints/client/send", new { data = "hello" });
        var run = await lab.Ok("/run");
        var count = run["session"]!["eventCount"]!.GetValue<long>();

        var all = await lab.Get("/trace");
        Assert.Equal(count, all["nextIndex"]!.GetValue<long>());
        Assert.Equal(count, all["session"]!["eventCount"]!.GetValue<long>());
        Assert.Equal(lab.Id, all["session"]!["id"]!.GetValue<string>());
        Assert.Equal(Enumerable.Range(0, (int)count).Select(i => (long)i), all["events"]!.AsArray().Select(e => e!["index"]!.GetValue<long>()));
        // As the hub pushes them: lengths, no payload octets (REST /events has those).
        var data = all["events"]!.AsArray().Select(e => e!["segment"]).First(s => s is not null && s["len"]!.GetValue<int>() == 5)!;
        Assert.False(data.AsObject().ContainsKey("payloadBase64"));

        var tail = await lab.Get("/trace?from=3");
        Assert.Equal(3L, tail["events"]![0]!["index"]!.GetValue<long>());
        Assert.Equal(count - 3, tail["events"]!.AsArray().Count);
        var beyond = await lab.Get($"/trace?from={count + 10}");
        Assert.Empty(beyond["events"]!.AsArray());
        Assert.Equal(count, beyond["nextIndex"]!.GetValue<long>());

        var bad = await _factory.CreateClient().GetAsync($"/api/sessions/{lab.Id}/trace?from=-1");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("from", (await bad.Content.ReadFromJsonAsync<JsonNode>())!["field"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await _factory.CreateClient().GetAsync("/api/sessions/nosuchsession/trace")).StatusCode);
    }

    [Fact]
    public async Task Reads_are_compressed_for_clients_that_accept_it_and_answers_with_a_token_never_are()
    {
        var http = _factory.CreateClient();
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/sessions") { Content = JsonContent.Create(new { scenario = "handshake" }) };
        create.Headers.AcceptEncoding.ParseAdd("br, gzip");
        var created = await http.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Empty(created.Content.Headers.ContentEncoding);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["session"]!["id"]!.GetValue<string>();

        foreach (var (accept, encoding) in new[] { ("br, gzip", "br"), ("gzip", "gzip") })
        {
            using var read = new HttpRequestMessage(HttpMethod.Get, $"/api/sessions/{id}/trace");
            read.Headers.AcceptEncoding.ParseAdd(accept);
            var answer = await http.SendAsync(read);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal([encoding], answer.Content.Headers.ContentEncoding);
        }
        var plain = await http.GetAsync($"/api/sessions/{id}/trace");
        Assert.Empty(plain.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Rewind_returns_to_an_earlier_step_and_fork_branches_a_new_session()
    {
        var lab = _factory.Lab();
        await lab.Create(new { scenario = "handshake" });
        await lab.Ok("/run");
        var rewound = await lab.Ok("/rewind", new { toStep = 1 });
        Assert.Equal(1, rewound["session"]!["step"]!.GetValue<long>());
        Assert.Equal("SYN_RECEIVED", LabClient.State(rewound, "server"));
        var fork = await lab.Post("/fork", new { atStep = 0 });
        Assert.Equal(HttpStatusCode.Created, fork.StatusCode);
        var forked = (await fork.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.NotEqual(lab.Id, forked["session"]!["id"]!.GetValue<string>());
        Assert.Equal("SYN_SENT", LabClient.State(forked["session"]!, "client"));
        Assert.NotEqual(lab.Token, forked["token"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pcap_export_parses_as_pcap_with_valid_checksums()
    {
        var lab = _factory.Lab();
        await lab.Create(new { scenario = "handshake" });
        await lab.Ok("/run");
        var response = await _factory.CreateClient().GetAsync($"/api/sessions/{lab.Id}/trace.pcap");
        Assert.Equal("application/vnd.tcpdump.pcap", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"connlab-{lab.Id}.pcap", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(0xA1B2C3D4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(101u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)));
        var packets = 0;
        for (var at = 24; at < bytes.Length; packets++)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8));
            var ip = bytes.AsSpan(at + 16, length);
            Assert.Equal(0, PcapWriter.IpChecksum(ip[..20]));
            Assert.Equal(0, PcapWriter.TcpChecksum(BinaryPrimitives.ReadUInt32BigEndian(ip[12..]), BinaryPrimitives.ReadUInt32BigEndian(ip[16..]), ip[20..]));
            at += 16 + length;
        }
        Assert.Equal(3, packets);
    }

    [Fact]
    public async Task Diagram_list_scenarios_delete_and_health_answer()
    {
        var lab = _factory.Lab();
        await lab.Create(new { scenario = "handshake", name = "demo" });
        var http = _factory.CreateClient();
        Assert.StartsWith("sequenceDiagram\n", await http.GetStringAsync($"/api/sessions/{lab.Id}/diagram.mmd"), StringComparison.Ordinal);
        var list = (await http.GetFromJsonAsync<JsonNode>("/api/sessions"))!.AsArray();
        Assert.Contains(list, s => s!["name"]!.GetValue<string>() == "demo");
        var scenarios = (await http.GetFromJsonAsync<JsonNode>("/api/scenarios"))!.AsArray();
        Assert.Equal(11, scenarios.Count);
        var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/sessions/{lab.Id}");
        delete.Headers.Authorization = new("Bearer", lab.Token);
        Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(delete)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/sessions/{lab.Id}")).StatusCode);
        var health = (await http.GetFromJsonAsync<JsonNode>("/healthz"))!;
        Assert.Equal("Healthy", health["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_dashboard_page_is_revalidated_on_every_load_so_a_new_release_is_never_shadowed_by_a_cached_one()
    {
        var http = _factory.CreateClient();
        var page = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("/app/app.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(page.Headers.CacheControl?.NoCache, $"Cache-Control: {page.Headers.CacheControl}");
        var again = new HttpRequestMessage(HttpMethod.Get, "/");
        again.Headers.IfNoneMatch.Add(page.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task Swagger_document_describes_the_routes_and_the_bearer_token()
    {
        var doc = await _factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json");
        Assert.Contains("/api/sessions/{id}/endpoints/{endpoint}/{action}", doc, StringComparison.Ordinal);
        Assert.Contains("\"bearer\"", doc, StringComparison.Ordinal);
        Assert.Contains("Create a session", doc, StringComparison.Ordinal);
        var json = JsonNode.Parse(doc)!;
        Assert.Equal("handshake", json["components"]!["schemas"]!["CreateSessionRequest"]!["example"]!["scenario"]!.GetValue<string>());
        // The payload is written from the segment's octets, and documented as what it is on the wire: a base64 string.
        var payload = json["components"]!["schemas"]!["SegmentView"]!["properties"]!["payloadBase64"]!;
        Assert.Equal(("string", "byte"), (payload["type"]!.GetValue<string>(), payload["format"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Swagger_lists_each_routes_refusals_as_problem_details_with_what_they_mean()
    {
        var paths = JsonNode.Parse(await _factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!["paths"]!;
        string[] Codes(string path, string method) => [.. paths[path]![method]!["responses"]!.AsObject().Select(r => r.Key).Order(StringComparer.Ordinal)];
        Assert.Equal(["200", "400", "401", "403", "404", "413", "415", "429", "503", "507"], Codes("/api/sessions/{id}/step", "post"));
        Assert.Equal(["200", "400", "401", "403", "404", "409", "413", "415", "429", "503", "507"], Codes("/api/sessions/{id}/endpoints/{endpoint}/{action}", "post"));
        Assert.Equal(["200", "400", "401", "403", "404", "413", "429", "503", "507"], Codes("/api/sessions/{id}/segments/{segmentId}/{intervention}", "post")); // no body
        Assert.Equal(["200", "404", "429", "503"], Codes("/api/sessions/{id}", "get"));
        Assert.Equal(["200", "400", "404", "429", "503"], Codes("/api/sessions/{id}/events", "get"));
        var conflict = paths["/api/sessions/{id}/endpoints/{endpoint}/{action}"]!["post"]!["responses"]!["409"]!;
        Assert.Contains("`rfcError` is RFC 9293's error string", conflict["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("#/components/schemas/ProblemDetails", conflict["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public async Task Refusals_asp_net_core_writes_itself_say_what_to_do()
    {
        var http = _factory.CreateClient();
        async Task<JsonNode> Problem(HttpRequestMessage request, HttpStatusCode status)
        {
            var response = await http.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }
        var wrongMethod = await Problem(new HttpRequestMessage(HttpMethod.Put, "/api/sessions"), HttpStatusCode.MethodNotAllowed);
        Assert.Equal("/api/sessions does not take PUT; it takes GET, POST", wrongMethod["detail"]!.GetValue<string>());
        var noRoute = await Problem(new HttpRequestMessage(HttpMethod.Get, "/api/sesions"), HttpStatusCode.NotFound);
        Assert.Equal("no route matches GET /api/sesions; every route is listed at /swagger", noRoute["detail"]!.GetValue<string>());
        var form = await Problem(new HttpRequestMessage(HttpMethod.Post, "/api/sessions") { Content = new StringContent("count=1", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded") },
            HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(("The body must be application/json", "the body must be JSON, sent with 'Content-Type: application/json' (this request's is 'application/x-www-form-urlencoded; charset=utf-8')"),
            (form["title"]!.GetValue<string>(), form["detail"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Swagger_shows_answers_made_by_the_engine_the_same_as_the_server_sends()
    {
        var schemas = JsonNode.Parse(await _factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!["components"]!["schemas"]!;
        var example = schemas["CommandView"]!["example"]!;
        // The handshake's second segment, as a step answers it: the SYN arrives, the server answers SYN,ACK.
        Assert.Equal(["segment-delivered", "state-changed", "segment-sent", "timer-armed"],
            example["events"]!.AsArray().Select(e => e!["kind"]!.GetValue<string>()).Where(k => k != "connection-opened").Take(4));
        var synAck = example["events"]!.AsArray().Single(e => e!["kind"]!.GetValue<string>() == "segment-sent")!["segment"]!;
        Assert.Equal((5000L, 1001L, "[\"ACK\",\"SYN\"]"), (synAck["seq"]!.GetValue<long>(), synAck["ack"]!.GetValue<long>(), synAck["flags"]!.ToJsonString()));
        Assert.Equal("SYN_RECEIVED", example["session"]!["endpoints"]!["server"]!["state"]!.GetValue<string>());

        // The same commands through the API give the same answer, field for field (ids and the token aside).
        var lab = _factory.Lab();
        await lab.Create(new { scenario = "handshake", client = new { isn = 1000 }, server = new { isn = 5000 } });
        var real = await lab.Ok("/step");
        var expected = example.DeepClone();
        expected["session"]!["id"] = real["session"]!["id"]!.GetValue<string>();
        Assert.Equal(expected.ToJsonString(), real.ToJsonString());
        Assert.Equal("The 3-way handshake", schemas["CreatedView"]!["example"]!["session"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Swagger_describes_every_field_of_every_request_and_of_a_commands_answer()
    {
        var schemas = JsonNode.Parse(await _factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!["components"]!["schemas"]!.AsObject();
        var undescribed = schemas
            .Where(s => s.Key.EndsWith("Request", StringComparison.Ordinal) || s.Key is "CommandView" or "SessionView")
            .SelectMany(s => s.Value!["properties"]!.AsObject()
                .Where(p => p.Value!["description"] is null && p.Value!["$ref"] is null && p.Value!["allOf"] is null)
                .Select(p => $"{s.Key}.{p.Key}"))
            .ToList();
        Assert.Empty(undescribed);
        var until = string.Join(' ', schemas["RunRequest"]!["properties"]!["until"]!["description"]!.GetValue<string>().Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("(a TIME_WAIT or FIN_WAIT_2 timer does not count: advance the clock for those)", until, StringComparison.Ordinal);
        Assert.Contains("`step-budget`", schemas["CommandView"]!["properties"]!["stop"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swagger_offers_the_values_a_route_parameter_takes_and_says_what_each_parameter_is()
    {
        var paths = JsonNode.Parse(await _factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!["paths"]!;
        JsonNode Parameter(string path, string name) =>
            paths[path]!["post"]?["parameters"]?.AsArray().SingleOrDefault(p => p!["name"]!.GetValue<string>() == name)
            ?? paths[path]!["get"]!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!;
        string[] Choices(JsonNode parameter) => [.. parameter["schema"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>())];

        const string act = "/api/sessions/{id}/endpoints/{endpoint}/{action}";
        Assert.Equal(["client", "server"], Choices(Parameter(act, "endpoint")));
        Assert.Equal(["listen", "connect", "send", "close", "abort", "shutdown", "accept", "read"], Choices(Parameter(act, "action")));
        Assert.StartsWith("The session's id", Parameter(act, "id")["description"]!.GetValue<string>(), StringComparison.Ordinal);
        const string intervene = "/api/sessions/{id}/segments/{segmentId}/{intervention}";
        Assert.Equal(["drop", "duplicate"], Choices(Parameter(intervene, "intervention")));
        Assert.Equal(("query", "integer"), (Parameter(act, "maxBytes")["in"]!.GetValue<string>(), Parameter(act, "maxBytes")["schema"]!["type"]!.GetValue<string>()));
        Assert.Equal("integer", Parameter(intervene, "segmentId")["schema"]!["type"]!.GetValue<string>());
        Assert.Equal("At most this many events, 1–1000 (100 by default).", Parameter("/api/sessions/{id}/events", "limit")["description"]!.GetValue<string>());
        Assert.StartsWith("The workshop's id", Parameter("/api/workshops/{id}/close", "id")["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
