using Google.Protobuf;
using ConnLab.Contracts.Mapping;
using ConnLab.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Server.Tests;

/// <summary>gRPC over real Kestrel (HTTP/2 cleartext) on ephemeral loopback ports.</summary>
public sealed class GrpcTests : IDisposable
{
    private readonly LabFactory _factory;
    private readonly GrpcChannel _channel;
    private readonly LabControl.LabControlClient _client;

    public GrpcTests()
    {
        var grpcUrl = $"http://127.0.0.1:{FreePorts.Next()}";
        _factory = new LabFactory(settings: new()
        {
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Url"] = grpcUrl,
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["ConnLab:WatchBuffer"] = "3",
        });
        _factory.UseKestrel();
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Assert.Contains(grpcUrl, addresses);
        _channel = GrpcChannel.ForAddress(grpcUrl);
        _client = new LabControl.LabControlClient(_channel);
    }

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }

    private static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    private static string Shape(SessionEvent e) =>
        $"{e.Endpoint} {string.Join(",", e.Segment.Flags.Select(f => f.ToString().ToUpperInvariant()))} seq={e.Segment.Seq} ack={e.Segment.Ack} len={e.Segment.Len}";

    private async Task<(string Id, Metadata Auth)> Create(string? scenario = null)
    {
        var request = new CreateSessionRequest { Client = new EndpointConfig { Isn = 1000 }, Server = new EndpointConfig { Isn = 5000 } };
        if (scenario is not null)
        {
            request.Scenario = scenario;
        }
        var created = await _client.CreateSessionAsync(request);
        return (created.Session.Id, Bearer(created.Token));
    }

    [Fact]
    public async Task Handshake_stepped_over_grpc_gives_exact_segments_and_states()
    {
        var (id, auth) = await Create();
        await _client.ListenAsync(new EndpointRequest { SessionId = id, Endpoint = Endpoint.Server }, auth);
        var connect = await _client.ConnectAsync(new EndpointRequest { SessionId = id, Endpoint = Endpoint.Client }, auth);
        Assert.Equal(["client SYN seq=1000 ack=0 len=0"], connect.Events.Where(e => e.Kind == "segment-sent").Select(Shape));
        var step = await _client.StepAsync(new StepRequest { SessionId = id }, auth);
        Assert.Equal(["server ACK,SYN seq=5000 ack=1001 len=0"], step.Events.Where(e => e.Kind == "segment-sent").Select(Shape));
        Assert.Equal(TcpState.SynReceived, step.Session.Server.State);
        var run = await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        Assert.Equal((TcpState.Established, TcpState.Established), (run.Session.Client.State, run.Session.Server.State));
    }

    [Fact]
    public async Task SetLive_over_grpc_plays_the_session_on_its_own_and_pauses_at_speed_zero()
    {
        var (id, auth) = await Create("handshake");
        var live = await _client.SetLiveAsync(new SetLiveRequest { SessionId = id, Speed = 500 }, auth);
        Assert.Equal(500, live.Session.LiveSpeed);
        Assert.Equal(TcpState.SynSent, live.Session.Client.State);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        Session now;
        do
        {
            await Task.Delay(50);
            now = await _client.GetSessionAsync(new SessionRequest { SessionId = id });
        }
        while (now.Server.State != TcpState.Established && DateTime.UtcNow < deadline);
        Assert.Equal((TcpState.Established, TcpState.Established), (now.Client.State, now.Server.State));
        Assert.Equal(500, now.LiveSpeed);

        var paused = await _client.SetLiveAsync(new SetLiveRequest { SessionId = id, Speed = 0 }, auth);
        Assert.Equal(0, paused.Session.LiveSpeed);
        var bad = await Assert.ThrowsAsync<RpcException>(() => _client.SetLiveAsync(new SetLiveRequest { SessionId = id, Speed = -1 }, auth).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal("speed", bad.Trailers.GetValue("field"));
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => _client.SetLiveAsync(new SetLiveRequest { SessionId = id, Speed = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.Equal(0, (await _client.GetSessionAsync(new SessionRequest { SessionId = id })).LiveSpeed);
    }

    [Fact]
    public async Task Server_reflection_lists_the_lab_control_service_in_its_v1alpha_form()
    {
        var reflection = new global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(_channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains("connlab.v1.LabControl", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
    }

    [Fact]
    public async Task Server_reflection_lists_the_lab_control_service_in_its_v1_form()
    {
        var reflection = new global::Grpc.Reflection.V1.ServerReflection.ServerReflectionClient(_channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new global::Grpc.Reflection.V1.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains("connlab.v1.LabControl", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
        Assert.Contains("connlab.v1.WorkshopControl", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
    }

    [Fact]
    public async Task Refusals_map_to_grpc_status_codes()
    {
        var (id, auth) = await Create("handshake");
        await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        static async Task<RpcException> Fails(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.FailedPrecondition,
            (await Fails(() => _client.ConnectAsync(new EndpointRequest { SessionId = id, Endpoint = Endpoint.Client }, auth).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Fails(() => _client.GetSessionAsync(new SessionRequest { SessionId = "nope" }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Fails(() => _client.StepAsync(new StepRequest { SessionId = id }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied,
            (await Fails(() => _client.StepAsync(new StepRequest { SessionId = id }, Bearer("forged")).ResponseAsync)).StatusCode);
        var invalid = await Fails(() => _client.ConnectAsync(new EndpointRequest { SessionId = id }, auth).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal("endpoint", invalid.Trailers.GetValue("field"));
        Assert.Equal(StatusCode.NotFound,
            (await Fails(() => _client.DropSegmentAsync(new SegmentRequest { SessionId = id, SegmentId = 99 }, auth).ResponseAsync)).StatusCode);
    }

    [Fact]
    public async Task Watch_replays_from_an_index_then_follows_live_without_gap_or_duplicate()
    {
        var (id, auth) = await Create("handshake");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watch = _client.WatchSession(new WatchRequest { SessionId = id, FromIndex = 2 }, cancellationToken: cts.Token);
        var seen = new List<long>();
        var stream = watch.ResponseStream;
        var run = await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        var total = run.Session.EventCount;
        while (seen.Count < total - 2 && await stream.MoveNext(cts.Token))
        {
            seen.Add(stream.Current.Index);
        }
        Assert.Equal(Enumerable.Range(2, (int)total - 2).Select(i => (long)i), seen);
        cts.Cancel();
        var cancelled = await Assert.ThrowsAsync<RpcException>(() => stream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Cancelled, cancelled.StatusCode);
    }

    [Fact]
    public async Task Watch_streams_subscribe_to_their_own_session_only_and_unsubscribe_when_they_end()
    {
        var streams = _factory.Services.GetRequiredService<ConnLab.Server.Grpc.StreamWatchers>();
        var (a, authA) = await Create("handshake");
        var (b, authB) = await Create("handshake");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watchA = _client.WatchSession(new WatchRequest { SessionId = a }, cancellationToken: cts.Token);
        Assert.True(await watchA.ResponseStream.MoveNext(cts.Token));
        while (streams.Count(a) == 0)
        {
            await Task.Delay(10, cts.Token);
        }
        Assert.Equal((1, 0), (streams.Count(a), streams.Count(b)));
        await _client.RunAsync(new RunRequest { SessionId = b }, authB); // b's changes do not reach a's stream
        var total = (await _client.RunAsync(new RunRequest { SessionId = a }, authA)).Session.EventCount;
        var indexes = new List<long> { watchA.ResponseStream.Current.Index };
        while (indexes.Count < total && await watchA.ResponseStream.MoveNext(cts.Token))
        {
            Assert.Equal(a, watchA.ResponseStream.Current.SessionId);
            indexes.Add(watchA.ResponseStream.Current.Index);
        }
        Assert.Equal(Enumerable.Range(0, (int)total).Select(i => (long)i), indexes);
        watchA.Dispose(); // the client goes away
        while (streams.Count(a) != 0)
        {
            await Task.Delay(10, cts.Token);
        }
    }

    [Fact]
    public async Task A_watch_with_a_deadline_ends_with_deadline_exceeded_and_the_session_keeps_serving()
    {
        var (id, auth) = await Create("handshake");
        using var watch = _client.WatchSession(new WatchRequest { SessionId = id }, deadline: DateTime.UtcNow.AddMilliseconds(500));
        var seen = 0;
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await watch.ResponseStream.MoveNext(CancellationToken.None))
            {
                seen++; // the replay arrives; then nothing happens until the deadline
            }
        });
        Assert.Equal(StatusCode.DeadlineExceeded, ended.StatusCode);
        Assert.True(seen > 0);
        var run = await _client.RunAsync(new RunRequest { SessionId = id }, auth, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(TcpState.Established, run.Session.Server.State);
    }

    [Fact]
    public async Task Watch_leaves_payload_octets_out_unless_asked_and_list_events_keeps_them()
    {
        var (id, auth) = await Create("handshake");
        await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        await _client.SendAsync(new SendRequest { SessionId = id, Endpoint = Endpoint.Client, Data = Google.Protobuf.ByteString.CopyFromUtf8("hello") }, auth);
        var total = (await _client.RunAsync(new RunRequest { SessionId = id }, auth)).Session.EventCount;
        async Task<SessionEvent> DataSegment(bool include)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            using var watch = _client.WatchSession(new WatchRequest { SessionId = id, IncludePayload = include }, cancellationToken: cts.Token);
            var events = new List<SessionEvent>();
            while (events.Count < total && await watch.ResponseStream.MoveNext(cts.Token))
            {
                events.Add(watch.ResponseStream.Current);
            }
            await cts.CancelAsync();
            return events.First(e => e.Kind == "segment-sent" && e.Segment.Len == 5);
        }
        var light = await DataSegment(include: false);
        Assert.Equal((5u, 0), (light.Segment.Len, light.Segment.Payload.Length));
        Assert.Equal("hello", (await DataSegment(include: true)).Segment.Payload.ToStringUtf8());
        var listed = await _client.ListEventsAsync(new ListEventsRequest { SessionId = id, Limit = 1000 });
        Assert.Equal("hello", listed.Events.First(e => e.Index == light.Index).Segment.Payload.ToStringUtf8());
    }

    [Fact]
    public async Task Snapshot_lists_in_flight_segments_without_their_octets_like_rest_while_the_send_event_keeps_them()
    {
        var (id, auth) = await Create("handshake");
        await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        var sent = await _client.SendAsync(new SendRequest { SessionId = id, Endpoint = Endpoint.Client, Data = Google.Protobuf.ByteString.CopyFromUtf8("hello") }, auth);
        var wire = Assert.Single(sent.Session.InFlight);
        Assert.Equal((5u, 0, 1), (wire.Segment.Len, wire.Segment.Payload.Length, sent.Session.InFlightCount));
        Assert.Equal("hello", sent.Events.Single(e => e.Kind == "segment-sent").Segment.Payload.ToStringUtf8());
        Assert.Equal(wire.Segment.Id, sent.Events.Single(e => e.Kind == "segment-sent").Segment.Id);
    }

    [Fact]
    public async Task A_watcher_that_never_reads_does_not_slow_the_session_and_is_ended_with_resume_from()
    {
        var (id, auth) = await Create("handshake");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = _client.WatchSession(new WatchRequest { SessionId = id }, cancellationToken: cts.Token);
        await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        var payload = Google.Protobuf.ByteString.CopyFrom(new byte[1000]);
        for (var i = 0; i < 200; i++) // far more than the watcher's buffer of 3 changes, and than HTTP/2's window
        {
            await _client.SendAsync(new SendRequest { SessionId = id, Endpoint = Endpoint.Client, Data = payload }, auth, cancellationToken: cts.Token);
            await _client.RunAsync(new RunRequest { SessionId = id }, auth, cancellationToken: cts.Token);
        }
        var received = new List<long>();
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await watch.ResponseStream.MoveNext(cts.Token))
            {
                received.Add(watch.ResponseStream.Current.Index);
            }
        });
        Assert.Equal(StatusCode.ResourceExhausted, ended.StatusCode);
        var resume = long.Parse(ended.Trailers.GetValue("resume-from")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Enumerable.Range(0, received.Count).Select(i => (long)i), received);
        Assert.Equal(received.Count, resume);
    }

    [Fact]
    public async Task Events_pcap_rewind_fork_and_delete_answer_over_grpc()
    {
        var (id, auth) = await Create("handshake");
        await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        var page = await _client.ListEventsAsync(new ListEventsRequest { SessionId = id, From = 1, Limit = 3 });
        Assert.Equal([1L, 2L, 3L], page.Events.Select(e => e.Index));
        var pcap = await _client.ExportPcapAsync(new SessionRequest { SessionId = id });
        Assert.Equal(0xD4, pcap.Content[0]);
        var rewound = await _client.RewindAsync(new RewindRequest { SessionId = id, ToStep = 1 }, auth);
        Assert.Equal(1, rewound.Step);
        var fork = await _client.ForkAsync(new ForkRequest { SessionId = id, AtStep = 0 }, auth);
        Assert.NotEqual(id, fork.Session.Id);
        await _client.DeleteSessionAsync(new SessionRequest { SessionId = id }, auth);
        await Assert.ThrowsAsync<RpcException>(() => _client.GetSessionAsync(new SessionRequest { SessionId = id }).ResponseAsync);
    }

    [Fact]
    public async Task SynFlood_with_its_fields_unset_floods_as_rest_does_with_an_empty_body()
    {
        async Task<(string Id, string Token)> Listening()
        {
            var created = await _client.CreateSessionAsync(new CreateSessionRequest { Seed = 7 });
            await _client.ListenAsync(new EndpointRequest { SessionId = created.Session.Id, Endpoint = Endpoint.Server }, Bearer(created.Token));
            return (created.Session.Id, created.Token);
        }
        var (overGrpc, grpcToken) = await Listening();
        var (overRest, restToken) = await Listening();
        var flood = await _client.SynFloodAsync(new SynFloodRequest { SessionId = overGrpc }, Bearer(grpcToken));
        using var http = _factory.CreateClient();
        using var post = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{overRest}/attacks/syn-flood") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        post.Headers.Authorization = new("Bearer", restToken);
        (await http.SendAsync(post)).EnsureSuccessStatusCode();

        var syns = flood.Events.Where(e => e.Kind == "segment-sent").ToList();
        Assert.Equal(100, syns.Count);
        Assert.DoesNotContain(syns, e => e.Segment.Src.StartsWith("10.0.0.1:", StringComparison.Ordinal)); // spoofed
        var lab = _factory.Services.GetRequiredService<Sessions.LabService>();
        string Trace(string id) => string.Join("\n", lab.Find(id)!.Session.Events.Select(e => e.ToProto("s").ToString()));
        Assert.Equal(Trace(overRest), Trace(overGrpc));

        var fromClient = await _client.SynFloodAsync(new SynFloodRequest { SessionId = overGrpc, Count = 2, Spoofed = false }, Bearer(grpcToken));
        Assert.All(fromClient.Events.Where(e => e.Kind == "segment-sent"), e => Assert.StartsWith("10.0.0.1:", e.Segment.Src, StringComparison.Ordinal));
    }

    [Fact]
    public async Task InjectSegment_without_from_comes_from_the_client_as_over_rest()
    {
        var (id, auth) = await Create();
        var injected = await _client.InjectSegmentAsync(new InjectSegmentRequest { SessionId = id, Flags = { TcpFlag.Rst }, Seq = 5 }, auth);
        var sent = Assert.Single(injected.Events, e => e.Kind == "segment-sent");
        Assert.Equal(("10.0.0.1:40000", "10.0.0.2:80", "injected"), (sent.Segment.Src, sent.Segment.Dst, sent.Segment.Origin));
    }

    [Fact]
    public async Task Shutdown_accept_and_read_over_grpc_half_close_and_drain_the_queues_as_over_rest()
    {
        var created = await _client.CreateSessionAsync(new CreateSessionRequest
        {
            Client = new EndpointConfig { Isn = 1000 },
            Server = new EndpointConfig { Isn = 5000, AutoAccept = false, AutoRead = false, ReceiveBuffer = 1000 },
        });
        var (id, auth) = (created.Session.Id, Bearer(created.Token));
        EndpointRequest Server() => new() { SessionId = id, Endpoint = Endpoint.Server };
        EndpointRequest Client() => new() { SessionId = id, Endpoint = Endpoint.Client };
        await _client.ListenAsync(Server(), auth);
        await _client.ConnectAsync(Client(), auth);
        var open = await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        Assert.Equal((1, 1000u), (open.Session.Listener.AcceptQueue, open.Session.Server.RcvWnd)); // waiting to be accepted
        var accepted = await _client.AcceptAsync(Server(), auth);
        Assert.Equal(0, accepted.Session.Listener.AcceptQueue);

        await _client.SendAsync(new SendRequest { SessionId = id, Endpoint = Endpoint.Client, Data = ByteString.CopyFrom(new byte[300]) }, auth);
        var unread = await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        Assert.Equal((300, 700u), (unread.Session.Server.ReceiveQueue, unread.Session.Server.RcvWnd)); // the window closes as data waits
        var read = await _client.ReadAsync(new ReadRequest { SessionId = id, Endpoint = Endpoint.Server, MaxBytes = 100 }, auth);
        // 100 octets free are not worth announcing: receiver-side SWS avoidance waits for min(MSS, buffer/2) (RFC 9293 §3.8.6.2.2).
        Assert.Equal((200, 700u), (read.Session.Server.ReceiveQueue, read.Session.Server.RcvWnd));
        var rest = await _client.ReadAsync(new ReadRequest { SessionId = id, Endpoint = Endpoint.Server }, auth); // max_bytes 0: all
        Assert.Equal(0, rest.Session.Server.ReceiveQueue);

        var shut = await _client.ShutdownAsync(Client(), auth);
        Assert.Equal(["client ACK,FIN seq=1301 ack=5001 len=0"], shut.Events.Where(e => e.Kind == "segment-sent").Select(Shape));
        var halfClosed = await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        Assert.Equal((TcpState.FinWait2, TcpState.CloseWait), (halfClosed.Session.Client.State, halfClosed.Session.Server.State));
    }

    [Fact]
    public async Task Netstat_and_the_diagram_over_grpc_are_the_same_text_as_over_rest()
    {
        var (id, auth) = await Create("handshake");
        await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        using var http = _factory.CreateClient();
        var netstat = await _client.NetstatAsync(new SessionRequest { SessionId = id });
        Assert.Equal(("text/plain", await http.GetStringAsync($"/api/sessions/{id}/netstat")), (netstat.MediaType, netstat.Text));
        Assert.Contains("10.0.0.1:40000          10.0.0.2:80             ESTABLISHED", netstat.Text, StringComparison.Ordinal);
        var diagram = await _client.ExportDiagramAsync(new SessionRequest { SessionId = id });
        Assert.Equal(("text/vnd.mermaid", await http.GetStringAsync($"/api/sessions/{id}/diagram.mmd")), (diagram.MediaType, diagram.Text));
        Assert.StartsWith("sequenceDiagram", diagram.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_answers_say_why_they_stopped_as_rest_does()
    {
        var (id, auth) = await Create("handshake");
        Assert.Equal("step-budget", (await _client.RunAsync(new RunRequest { SessionId = id, MaxSteps = 1 }, auth)).Stop);
        Assert.Equal("state-reached", (await _client.RunAsync(new RunRequest
        {
            SessionId = id, Until = RunRequest.Types.Until.State, Endpoint = Endpoint.Client, State = TcpState.Established,
        }, auth)).Stop);
        Assert.Equal("idle", (await _client.RunAsync(new RunRequest { SessionId = id }, auth)).Stop);
        Assert.Equal("completed", (await _client.CloseAsync(new EndpointRequest { SessionId = id, Endpoint = Endpoint.Client }, auth)).Stop);
    }

    [Fact]
    public async Task A_read_only_session_says_why_over_grpc_and_refuses_commands_with_permission_denied()
    {
        var (id, auth) = await Create("handshake");
        Assert.Equal("", (await _client.GetSessionAsync(new SessionRequest { SessionId = id })).Problem);
        // The mark a restore sets when the replay differs from the stored trace (PersistenceTests make one for real).
        _factory.Services.GetRequiredService<Sessions.LabService>().Find(id)!.Problem = "the replayed trace differs from the stored one at event 3";
        Assert.Equal("the replayed trace differs from the stored one at event 3", (await _client.GetSessionAsync(new SessionRequest { SessionId = id })).Problem);
        var refused = await Assert.ThrowsAsync<RpcException>(() => _client.StepAsync(new StepRequest { SessionId = id }, auth).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("read-only", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListSessions_sums_up_each_session_in_memory_and_does_not_reload_an_evicted_one()
    {
        var (id, auth) = await Create("handshake");
        await _client.RunAsync(new RunRequest { SessionId = id }, auth);
        var listed = (await _client.ListSessionsAsync(new ListSessionsRequest())).Sessions.Single(s => s.Id == id);
        Assert.Equal(("rfc9293", 30.0, 3L, true, TcpState.Established, TcpState.Established),
            (listed.Profile, listed.TimeMs, listed.Step, listed.InMemory, listed.ClientState, listed.ServerState));
        Assert.Equal((await _client.GetSessionAsync(new SessionRequest { SessionId = id })).EventCount, listed.EventCount);

        var host = _factory.Services.GetRequiredService<Sessions.LabService>().Find(id)!;
        host.Evict(); // as the idle TTL does
        var evicted = (await _client.ListSessionsAsync(new ListSessionsRequest())).Sessions.Single(s => s.Id == id);
        Assert.Equal((false, 0L, TcpState.Unspecified), (evicted.InMemory, evicted.Step, evicted.ClientState));
        Assert.False(host.IsLoaded); // listing did not bring it back
    }
}
