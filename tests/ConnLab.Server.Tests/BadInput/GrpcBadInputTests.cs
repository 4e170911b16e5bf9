using ConnLab.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;
using Xunit.Abstractions;

namespace ConnLab.Server.Tests.BadInput;

/// <summary>
/// One bad gRPC call against a fresh "handshake" session and the status it must end with. The request is built from
/// the session id (or given as raw bytes), so malformed and oversized messages go through the same path.
/// </summary>
public sealed record GrpcCase(string Category, string Name, string Rpc, Func<string, byte[]> Request, StatusCode Code, string? Field,
    Auth Auth = Auth.Own, string? State = null);

/// <summary>The gRPC server the matrix runs against: 1 KiB payloads, no quota in the way.</summary>
public sealed class GrpcBadInputServer : IAsyncLifetime
{
    public KestrelLab Server { get; } = new(new()
    {
        ["ConnLab:MaxPayloadBytes"] = "1024",
        ["ConnLab:MaxSessions"] = "100000",
        ["ConnLab:MaxSessionsPerClient"] = "100000",
    });

    public LabControl.LabControlClient Client { get; private set; } = null!;
    public string OtherToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Client = new LabControl.LabControlClient(Server.Channel);
        OtherToken = (await Client.CreateSessionAsync(new CreateSessionRequest { Scenario = "handshake" })).Token;
    }

    public Task DisposeAsync()
    {
        Server.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// Every RPC of <c>connlab.v1.LabControl</c> against malformed and oversized messages, unknown enum values, negative and
/// overflowing numbers, bad ids and bad tokens: each ends with its documented status (InvalidArgument with the
/// <c>field</c> trailer, Unauthenticated, PermissionDenied, NotFound, FailedPrecondition with the <c>state</c> trailer,
/// ResourceExhausted), and the session (and the set of sessions) is exactly as it was.
/// </summary>
public sealed class GrpcBadInputTests(GrpcBadInputServer fixture, ITestOutputHelper output) : IClassFixture<GrpcBadInputServer>
{
    /// <summary>Larger than the server's message limit (its request body limit, 64 KiB here).</summary>
    private const int HugeSize = KestrelLab.BodyLimit + 1024;

    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    private static readonly string[] Rpcs =
    [
        "CreateSession", "GetSession", "ListSessions", "DeleteSession", "Listen", "Connect", "Send", "Close", "Abort", "Shutdown", "Accept", "Read",
        "Step", "Run", "Advance",
        "DropSegment", "DuplicateSegment", "InjectSegment", "SynFlood", "Rewind", "Fork", "SetLive", "ListEvents", "ExportPcap", "Netstat", "ExportDiagram",
        "WatchSession",
    ];

    /// <summary>A valid request for each RPC that changes a session, so only the token or the id is wrong.</summary>
    private static readonly (string Rpc, Func<string, IMessage> Valid)[] Mutating =
    [
        ("DeleteSession", id => new SessionRequest { SessionId = id }),
        ("Listen", id => new EndpointRequest { SessionId = id, Endpoint = Endpoint.Server }),
        ("Connect", id => new EndpointRequest { SessionId = id, Endpoint = Endpoint.Client }),
        ("Send", id => new SendRequest { SessionId = id, Endpoint = Endpoint.Client, Data = ByteString.CopyFromUtf8("x") }),
        ("Close", id => new EndpointRequest { SessionId = id, Endpoint = Endpoint.Client }),
        ("Abort", id => new EndpointRequest { SessionId = id, Endpoint = Endpoint.Client }),
        ("Shutdown", id => new EndpointRequest { SessionId = id, Endpoint = Endpoint.Client }),
        ("Accept", id => new EndpointRequest { SessionId = id, Endpoint = Endpoint.Server }),
        ("Read", id => new ReadRequest { SessionId = id, Endpoint = Endpoint.Server }),
        ("Step", id => new StepRequest { SessionId = id }),
        ("Run", id => new RunRequest { SessionId = id }),
        ("Advance", id => new AdvanceRequest { SessionId = id, Ms = 1 }),
        ("DropSegment", id => new SegmentRequest { SessionId = id, SegmentId = 1 }),
        ("DuplicateSegment", id => new SegmentRequest { SessionId = id, SegmentId = 1 }),
        ("InjectSegment", id => new InjectSegmentRequest { SessionId = id, From = Endpoint.Client, Flags = { TcpFlag.Rst } }),
        ("SynFlood", id => new SynFloodRequest { SessionId = id, Count = 1 }),
        ("Rewind", id => new RewindRequest { SessionId = id, ToStep = 0 }),
        ("Fork", id => new ForkRequest { SessionId = id, AtStep = 0 }),
        ("SetLive", id => new SetLiveRequest { SessionId = id, Speed = 0 }),
    ];

    public static IReadOnlyDictionary<string, GrpcCase> Cases { get; } = Build();

    public static IEnumerable<object[]> CaseNames => Cases.Keys.Select(k => new object[] { k });

    private static Dictionary<string, GrpcCase> Build()
    {
        var list = new List<GrpcCase>();
        void Bad(string category, string rpc, string what, Func<string, IMessage> message, string field) =>
            list.Add(new(category, $"{rpc} {what}", rpc, id => message(id).ToByteArray(), StatusCode.InvalidArgument, field));
        void Fails(string category, string rpc, string what, Func<string, IMessage> message, StatusCode code, string? field = null, string? state = null) =>
            list.Add(new(category, $"{rpc} {what}", rpc, id => message(id).ToByteArray(), code, field, State: state));

        foreach (var (rpc, valid) in Mutating)
        {
            byte[] Request(string id) => valid(id).ToByteArray();
            list.Add(new("missing-token", $"{rpc} without a token", rpc, Request, StatusCode.Unauthenticated, null, Auth.None));
            list.Add(new("missing-token", $"{rpc} with a non-bearer authorization", rpc, Request, StatusCode.Unauthenticated, null, Auth.NotBearer));
            list.Add(new("wrong-token", $"{rpc} with a forged token", rpc, Request, StatusCode.PermissionDenied, null, Auth.Forged));
            list.Add(new("other-session-token", $"{rpc} with another session's token", rpc, Request, StatusCode.PermissionDenied, null, Auth.Other));
            list.Add(new("invalid-id", $"{rpc} on an unknown session", rpc, _ => valid("nosuchsession").ToByteArray(), StatusCode.NotFound, null));
        }
        foreach (var id in new[] { "", "nosuchsession", new string('z', 300) })
        {
            var shown = id.Length > 20 ? $"({id.Length} chars)" : $"'{id}'";
            Fails("invalid-id", "GetSession", $"id {shown}", _ => new SessionRequest { SessionId = id }, StatusCode.NotFound);
            Fails("invalid-id", "ListEvents", $"id {shown}", _ => new ListEventsRequest { SessionId = id }, StatusCode.NotFound);
            Fails("invalid-id", "ExportPcap", $"id {shown}", _ => new SessionRequest { SessionId = id }, StatusCode.NotFound);
            Fails("invalid-id", "Netstat", $"id {shown}", _ => new SessionRequest { SessionId = id }, StatusCode.NotFound);
            Fails("invalid-id", "ExportDiagram", $"id {shown}", _ => new SessionRequest { SessionId = id }, StatusCode.NotFound);
            Fails("invalid-id", "WatchSession", $"id {shown}", _ => new WatchRequest { SessionId = id }, StatusCode.NotFound);
        }

        // ---- every RPC: bytes that are not a protobuf message, and a message over the receive limit
        foreach (var rpc in Rpcs)
        {
            // grpc-dotnet alone would answer UNKNOWN (it parses before any service code runs); MalformedMessageGuard
            // answers INVALID_ARGUMENT with field "request".
            list.Add(new("malformed-message", $"{rpc} truncated varint", rpc, _ => [0x08, 0xFF, 0xFF], StatusCode.InvalidArgument, "request"));
            list.Add(new("malformed-message", $"{rpc} invalid wire type", rpc, _ => [0x0F, 0x01], StatusCode.InvalidArgument, "request"));
            list.Add(new("huge-message", $"{rpc} with a {HugeSize}-octet unknown field", rpc, id => WithHugeField(id), StatusCode.ResourceExhausted, null));
        }

        // ---- create
        CreateSessionRequest Create(Action<CreateSessionRequest> change)
        {
            var r = new CreateSessionRequest();
            change(r);
            return r;
        }
        Bad("unknown-enum", "CreateSession", "profile 'bsd'", _ => Create(r => r.Profile = "bsd"), "profile");
        Bad("unknown-enum", "CreateSession", "scenario 'time-travel'", _ => Create(r => r.Scenario = "time-travel"), "scenario");
        Bad("overflowing-number", "CreateSession", "client port 70000", _ => Create(r => r.Client = new EndpointConfig { Port = 70000 }), "client.port");
        Bad("overflowing-number", "CreateSession", "client port 2^32-1", _ => Create(r => r.Client = new EndpointConfig { Port = uint.MaxValue }), "client.port");
        Bad("negative-number", "CreateSession", "server backlog -1", _ => Create(r => r.Server = new EndpointConfig { Backlog = -1 }), "server.backlog");
        Bad("negative-number", "CreateSession", "link delay -1", _ => Create(r => r.Link = new LinkConfig { DelayMs = -1 }), "link.delayMs");
        Bad("overflowing-number", "CreateSession", "link delay +inf", _ => Create(r => r.Link = new LinkConfig { DelayMs = double.PositiveInfinity }), "link.delayMs");
        Bad("wrong-type", "CreateSession", "link delay NaN", _ => Create(r => r.Link = new LinkConfig { DelayMs = double.NaN }), "link.delayMs");
        Bad("overflowing-number", "CreateSession", "loss rate 2", _ => Create(r => r.Link = new LinkConfig { LossRate = 2 }), "link.lossRate");
        Bad("negative-number", "CreateSession", "override timeWait -1", _ => Create(r => r.Overrides = new ProfileOverrides { TimeWaitMs = -1 }), "overrides.timeWaitMs");
        Bad("overflowing-number", "CreateSession", "override mss 2^31-1", _ => Create(r => r.Overrides = new ProfileOverrides { Mss = int.MaxValue }), "overrides.mss");
        Bad("invalid-value", "CreateSession", "address 999.1.1.1", _ => Create(r => r.Client = new EndpointConfig { Address = "999.1.1.1" }), "client.address");
        Bad("invalid-value", "CreateSession", "same address twice", _ => Create(r => r.Server = new EndpointConfig { Address = "10.0.0.1" }), "server.address");

        // ---- endpoint actions
        foreach (var rpc in new[] { "Listen", "Connect", "Close", "Abort" })
        {
            Bad("unknown-enum", rpc, "endpoint UNSPECIFIED", id => new EndpointRequest { SessionId = id }, "endpoint");
            Bad("unknown-enum", rpc, "endpoint 99", id => new EndpointRequest { SessionId = id, Endpoint = (Endpoint)99 }, "endpoint");
        }
        Fails("state", "Connect", "on the client in SYN_SENT", id => new EndpointRequest { SessionId = id, Endpoint = Endpoint.Client },
            StatusCode.FailedPrecondition, state: "SYN_SENT");
        Fails("state", "Listen", "on the server in LISTEN", id => new EndpointRequest { SessionId = id, Endpoint = Endpoint.Server },
            StatusCode.FailedPrecondition, state: "LISTEN");
        Fails("state", "Send", "on the listening server", id => new SendRequest { SessionId = id, Endpoint = Endpoint.Server, Data = ByteString.CopyFromUtf8("x") },
            StatusCode.FailedPrecondition, state: "LISTEN");
        Bad("unknown-enum", "Send", "endpoint 99", id => new SendRequest { SessionId = id, Endpoint = (Endpoint)99, Data = ByteString.CopyFromUtf8("x") }, "endpoint");
        Bad("missing-field", "Send", "without data", id => new SendRequest { SessionId = id, Endpoint = Endpoint.Client }, "data");
        Bad("payload-too-large", "Send", "2000 octets (limit 1024)",
            id => new SendRequest { SessionId = id, Endpoint = Endpoint.Client, Data = ByteString.CopyFrom(new byte[2000]) }, "data");

        // ---- moving time
        Bad("negative-number", "Step", "count -1", id => new StepRequest { SessionId = id, Count = -1 }, "count");
        Bad("overflowing-number", "Step", "count 2^31-1", id => new StepRequest { SessionId = id, Count = int.MaxValue }, "count");
        Bad("unknown-enum", "Run", "until 99", id => new RunRequest { SessionId = id, Until = (RunRequest.Types.Until)99 }, "until");
        Bad("missing-field", "Run", "until STATE without endpoint", id => new RunRequest { SessionId = id, Until = RunRequest.Types.Until.State, State = TcpState.Established }, "endpoint");
        Bad("missing-field", "Run", "until STATE without state", id => new RunRequest { SessionId = id, Until = RunRequest.Types.Until.State, Endpoint = Endpoint.Client }, "state");
        Bad("unknown-enum", "Run", "until STATE state 99", id => new RunRequest { SessionId = id, Until = RunRequest.Types.Until.State, Endpoint = Endpoint.Client, State = (TcpState)99 }, "state");
        Bad("negative-number", "Run", "max_steps -1", id => new RunRequest { SessionId = id, MaxSteps = -1 }, "maxSteps");
        Bad("overflowing-number", "Run", "max_steps 2^31-1", id => new RunRequest { SessionId = id, MaxSteps = int.MaxValue }, "maxSteps");
        Bad("negative-number", "Advance", "ms -5", id => new AdvanceRequest { SessionId = id, Ms = -5 }, "ms");
        Bad("wrong-type", "Advance", "ms NaN", id => new AdvanceRequest { SessionId = id, Ms = double.NaN }, "ms");
        Bad("overflowing-number", "Advance", "ms +inf", id => new AdvanceRequest { SessionId = id, Ms = double.PositiveInfinity }, "ms");
        Bad("overflowing-number", "Advance", "ms 1e300", id => new AdvanceRequest { SessionId = id, Ms = 1e300 }, "ms");

        // ---- the wire
        foreach (var rpc in new[] { "DropSegment", "DuplicateSegment" })
        {
            Fails("invalid-id", rpc, "segment 999", id => new SegmentRequest { SessionId = id, SegmentId = 999 }, StatusCode.NotFound, "segmentId");
            Bad("negative-number", rpc, "segment -1 (as REST: 400, not 404)", id => new SegmentRequest { SessionId = id, SegmentId = -1 }, "segmentId");
            Bad("invalid-id", rpc, "segment 0", id => new SegmentRequest { SessionId = id, SegmentId = 0 }, "segmentId");
            Fails("overflowing-number", rpc, "segment 2^63-1", id => new SegmentRequest { SessionId = id, SegmentId = long.MaxValue }, StatusCode.NotFound, "segmentId");
        }
        Bad("unknown-enum", "InjectSegment", "from 99", id => new InjectSegmentRequest { SessionId = id, From = (Endpoint)99 }, "from");
        Bad("unknown-enum", "InjectSegment", "flag 99", id => new InjectSegmentRequest { SessionId = id, From = Endpoint.Client, Flags = { (TcpFlag)99 } }, "flags");
        Bad("unknown-enum", "InjectSegment", "flag UNSPECIFIED", id => new InjectSegmentRequest { SessionId = id, From = Endpoint.Client, Flags = { TcpFlag.Unspecified } }, "flags");
        Bad("overflowing-number", "InjectSegment", "window 2^32-1", id => new InjectSegmentRequest { SessionId = id, From = Endpoint.Client, Window = uint.MaxValue }, "window");
        Bad("invalid-value", "InjectSegment", "src without port", id => new InjectSegmentRequest { SessionId = id, From = Endpoint.Client, Src = "1.2.3.4" }, "src");
        Bad("payload-too-large", "InjectSegment", "2000 octets (limit 1024)",
            id => new InjectSegmentRequest { SessionId = id, From = Endpoint.Client, Data = ByteString.CopyFrom(new byte[2000]) }, "data");
        Bad("negative-number", "Read", "max_bytes -1", id => new ReadRequest { SessionId = id, Endpoint = Endpoint.Server, MaxBytes = -1 }, "max_bytes");
        Bad("unknown-enum", "Read", "endpoint UNSPECIFIED", id => new ReadRequest { SessionId = id }, "endpoint");
        Bad("negative-number", "SynFlood", "count -1", id => new SynFloodRequest { SessionId = id, Count = -1 }, "count");
        Bad("negative-number", "SynFlood", "count 0", id => new SynFloodRequest { SessionId = id, Count = 0 }, "count");
        Fails("overflowing-number", "SynFlood", "count 2^31-1 (over MaxFloodSize)", id => new SynFloodRequest { SessionId = id, Count = int.MaxValue },
            StatusCode.ResourceExhausted, "count");

        // ---- time travel, live mode, the trace
        foreach (var (step, category) in new[] { (-1L, "negative-number"), (1L, "past-the-end"), (99L, "past-the-end"), (long.MaxValue, "overflowing-number") })
        {
            Bad(category, "Rewind", $"to_step {step}", id => new RewindRequest { SessionId = id, ToStep = step }, "toStep");
            Bad(category, "Fork", $"at_step {step}", id => new ForkRequest { SessionId = id, AtStep = step }, "atStep");
        }
        foreach (var (speed, category) in new[] { (-1.0, "negative-number"), (1001.0, "overflowing-number"), (double.PositiveInfinity, "overflowing-number"), (double.NaN, "wrong-type") })
        {
            Bad(category, "SetLive", $"speed {speed}", id => new SetLiveRequest { SessionId = id, Speed = speed }, "speed");
        }
        Bad("negative-number", "ListEvents", "from -1", id => new ListEventsRequest { SessionId = id, From = -1 }, "from");
        Bad("negative-number", "ListEvents", "limit -1", id => new ListEventsRequest { SessionId = id, Limit = -1 }, "limit");
        Bad("overflowing-number", "ListEvents", "limit 1001", id => new ListEventsRequest { SessionId = id, Limit = 1001 }, "limit");
        Bad("negative-number", "WatchSession", "from_index -1", id => new WatchRequest { SessionId = id, FromIndex = -1 }, "from_index");

        var cases = new Dictionary<string, GrpcCase>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            var name = $"{item.Category}: {item.Name} → {item.Code}";
            for (var n = 2; cases.ContainsKey(name); n++)
            {
                name = $"{item.Category}: {item.Name} → {item.Code} #{n}";
            }
            cases[name] = item;
        }
        return cases;
    }

    /// <summary>A session request with an unknown length-delimited field 1000 of <see cref="HugeSize"/> octets after it.</summary>
    private static byte[] WithHugeField(string id)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteString(id);
        output.WriteTag(1000, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(new byte[HugeSize]));
        output.Flush();
        return stream.ToArray();
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Bad_grpc_input_ends_with_its_documented_status_and_changes_nothing(string name)
    {
        var c = Cases[name];
        var client = fixture.Client;
        var created = await client.CreateSessionAsync(new CreateSessionRequest { Scenario = "handshake" });
        var id = created.Session.Id;
        var before = await Fingerprint(id);

        var headers = new Metadata();
        switch (c.Auth)
        {
            case Auth.Own:
                headers.Add("authorization", $"Bearer {created.Token}");
                break;
            case Auth.NotBearer:
                headers.Add("authorization", "Basic dXNlcjpwYXNz");
                break;
            case Auth.Forged:
                headers.Add("authorization", "Bearer forged-token-0000000000000000000000000000000");
                break;
            case Auth.Other:
                headers.Add("authorization", $"Bearer {fixture.OtherToken}");
                break;
        }
        var invoker = fixture.Server.Channel.CreateCallInvoker();
        var options = new CallOptions(headers, deadline: DateTime.UtcNow.AddSeconds(30));
        var failure = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            if (c.Rpc == "WatchSession")
            {
                var method = new Method<byte[], byte[]>(MethodType.ServerStreaming, "connlab.v1.LabControl", c.Rpc, Raw, Raw);
                using var call = invoker.AsyncServerStreamingCall(method, null, options, c.Request(id));
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            else
            {
                var method = new Method<byte[], byte[]>(MethodType.Unary, "connlab.v1.LabControl", c.Rpc, Raw, Raw);
                using var call = invoker.AsyncUnaryCall(method, null, options, c.Request(id));
                await call.ResponseAsync;
            }
        });

        Assert.True(failure.StatusCode == c.Code, $"expected {c.Code}, got {failure.StatusCode}: {failure.Status.Detail}");
        Assert.Equal(c.Field, failure.Trailers.GetValue("field"));
        Assert.Equal(c.State, failure.Trailers.GetValue("state"));
        Assert.False(string.IsNullOrEmpty(failure.Status.Detail));
        Assert.Equal(before, await Fingerprint(id));
    }

    [Fact]
    public void The_grpc_matrix_covers_every_rpc_and_reports_its_totals()
    {
        var cases = Cases.Values.ToList();
        output.WriteLine($"gRPC bad-input cases: {cases.Count}");
        foreach (var g in cases.GroupBy(c => c.Code).OrderBy(g => g.Key))
        {
            output.WriteLine($"  {g.Key}: {g.Count()}");
        }
        foreach (var g in cases.GroupBy(c => c.Category).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {g.Key}: {g.Count()}");
        }
        var service = LabControl.Descriptor.Methods.Select(m => m.Name).Order(StringComparer.Ordinal);
        Assert.Equal(service, cases.Select(c => c.Rpc).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Unknown_protobuf_fields_are_skipped_as_proto3_requires_and_change_nothing_else()
    {
        var created = await fixture.Client.CreateSessionAsync(new CreateSessionRequest { Scenario = "handshake" });
        var invoker = fixture.Server.Channel.CreateCallInvoker();
        var method = new Method<byte[], byte[]>(MethodType.Unary, "connlab.v1.LabControl", "GetSession", Raw, Raw);
        var request = new SessionRequest { SessionId = created.Session.Id }.ToByteArray().Concat(new byte[] { 0xA0, 0x06, 0x01 }).ToArray(); // field 100 = 1
        var answer = Session.Parser.ParseFrom(await invoker.AsyncUnaryCall(method, null, new CallOptions(), request));
        Assert.Equal(created.Session, answer);
    }

    /// <summary>The session as GetSession shows it (as JSON), its command log and the set of sessions.</summary>
    private async Task<string> Fingerprint(string id)
    {
        var session = await fixture.Client.GetSessionAsync(new SessionRequest { SessionId = id });
        return $"{JsonFormatter.Default.Format(session)} commands={fixture.Server.CommandCount(id)} sessions={fixture.Server.SessionCount}";
    }
}
