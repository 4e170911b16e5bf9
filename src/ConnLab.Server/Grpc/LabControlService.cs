using System.Threading.Channels;
using ConnLab.Contracts.Mapping;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Server.Api;
using ConnLab.Server.Sessions;
using Google.Protobuf;
using Grpc.Core;
using V1 = ConnLab.Contracts.V1;

namespace ConnLab.Server.Grpc;

/// <summary>
/// gRPC <c>connlab.v1.LabControl</c>: the same session service as REST, one RPC per REST operation, plus WatchSession.
/// Refusals become status codes through <see cref="Problems.GrpcCode"/>, the same mapping REST uses.
/// </summary>
public sealed class LabControlService(LabService lab, StreamWatchers streams) : V1.LabControl.LabControlBase
{
    /// <inheritdoc />
    public override async Task<V1.CreateSessionResponse> CreateSession(V1.CreateSessionRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var config = ToConfig(request);
        var created = Check(await lab.CreateAsync(request.HasName ? request.Name : null, config, request.HasScenario ? request.Scenario : null,
            Owner(context), context.CancellationToken).ConfigureAwait(false));
        return new V1.CreateSessionResponse { Session = Proto(created.Host, created.Snapshot), Token = created.Token };
    }

    /// <inheritdoc />
    public override async Task<V1.Session> GetSession(V1.SessionRequest request, ServerCallContext context) =>
        Check(await lab.ReadAsync(request.SessionId, h => Proto(h, h.Session.Snapshot()), context.CancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override async Task<V1.ListSessionsResponse> ListSessions(V1.ListSessionsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var response = new V1.ListSessionsResponse();
        foreach (var host in lab.List(Owner(context), lab.IsAdmin(Token(context))).Take(request.Limit > 0 ? request.Limit : int.MaxValue))
        {
            var summary = new V1.SessionSummary { Id = host.Id, Name = host.Name };
            // A session in memory is read under its gate (a command may be running), only the figures a list shows (not a
            // whole snapshot); an evicted one is not reloaded for a list.
            if (host.IsLoaded && (await lab.ReadAsync(host.Id, h => Summarize(h.Session, summary), context.CancellationToken).ConfigureAwait(false)).Error is null)
            {
                summary.InMemory = true;
            }
            response.Sessions.Add(summary);
        }
        return response;
    }

    private static V1.SessionSummary Summarize(LabSession session, V1.SessionSummary summary)
    {
        (summary.Profile, summary.TimeMs, summary.Step, summary.EventCount) = (session.Profile.Name, session.NowUs / 1000.0, session.StepCount, session.Events.Count);
        (summary.ClientState, summary.ServerState) = (session.StateOf(EndpointRole.Client).ToProto(), session.StateOf(EndpointRole.Server).ToProto());
        return summary;
    }

    /// <inheritdoc />
    public override async Task<Google.Protobuf.WellKnownTypes.Empty> DeleteSession(V1.SessionRequest request, ServerCallContext context)
    {
        if (await lab.DeleteAsync(request.SessionId, Token(context), lab.IsAdmin(Token(context)), context.CancellationToken).ConfigureAwait(false) is { } error)
        {
            throw Failure(error);
        }
        return new Google.Protobuf.WellKnownTypes.Empty();
    }

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Listen(V1.EndpointRequest request, ServerCallContext context) => Act(request, EndpointAction.Listen, context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Connect(V1.EndpointRequest request, ServerCallContext context) => Act(request, EndpointAction.Connect, context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Close(V1.EndpointRequest request, ServerCallContext context) => Act(request, EndpointAction.Close, context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Abort(V1.EndpointRequest request, ServerCallContext context) => Act(request, EndpointAction.Abort, context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Shutdown(V1.EndpointRequest request, ServerCallContext context) => Act(request, EndpointAction.Shutdown, context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Accept(V1.EndpointRequest request, ServerCallContext context) => Act(request, EndpointAction.Accept, context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Read(V1.ReadRequest request, ServerCallContext context) =>
        request.MaxBytes < 0
            ? throw Invalid("max_bytes", "max_bytes must not be negative (0 reads all waiting octets)")
            : Execute(request.SessionId, new EndpointCommand(Role(request.Endpoint), EndpointAction.Read, MaxBytes: request.MaxBytes), context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Send(V1.SendRequest request, ServerCallContext context) =>
        Execute(request.SessionId, new EndpointCommand(Role(request.Endpoint), EndpointAction.Send, request.Data.Memory), context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Step(V1.StepRequest request, ServerCallContext context) =>
        Execute(request.SessionId, new StepCommand(request.Count == 0 ? 1 : request.Count), context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Run(V1.RunRequest request, ServerCallContext context)
    {
        var until = request.Until switch
        {
            V1.RunRequest.Types.Until.Unspecified or V1.RunRequest.Types.Until.Idle => RunUntil.Idle,
            V1.RunRequest.Types.Until.State => RunUntil.State,
            V1.RunRequest.Types.Until.Steps => RunUntil.Steps,
            _ => throw Invalid("until", "until must be IDLE, STATE or STEPS"),
        };
        var command = until == RunUntil.State
            ? new RunCommand(until, Role(request.Endpoint), request.State.ToEngine() ?? throw Invalid("state", "until STATE needs a state"),
                request.MaxSteps == 0 ? 1000 : request.MaxSteps)
            : new RunCommand(until, MaxSteps: request.MaxSteps == 0 ? 1000 : request.MaxSteps);
        return Execute(request.SessionId, command, context);
    }

    /// <inheritdoc />
    public override Task<V1.CommandResponse> Advance(V1.AdvanceRequest request, ServerCallContext context) =>
        Execute(request.SessionId, new AdvanceCommand(request.Ms), context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> DropSegment(V1.SegmentRequest request, ServerCallContext context) =>
        Execute(request.SessionId, new DropSegmentCommand(request.SegmentId), context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> DuplicateSegment(V1.SegmentRequest request, ServerCallContext context) =>
        Execute(request.SessionId, new DuplicateSegmentCommand(request.SegmentId), context);

    /// <inheritdoc />
    public override Task<V1.CommandResponse> InjectSegment(V1.InjectSegmentRequest request, ServerCallContext context)
    {
        var flags = ContractMapping.ToEngine(request.Flags) ?? throw Invalid("flags", "flags must be URG, ACK, PSH, RST, SYN or FIN");
        var crafted = new CraftedSegment
        {
            // An unset from is the client, as over REST.
            From = request.From == V1.Endpoint.Unspecified ? EndpointRole.Client : Role(request.From, "from"),
            Source = request.HasSrc ? request.Src : null, Destination = request.HasDst ? request.Dst : null,
            Flags = flags, Seq = request.Seq, Ack = request.Ack, Window = (int)Math.Min(request.Window, int.MaxValue), Data = request.Data.Memory,
        };
        return Execute(request.SessionId, new InjectSegmentCommand(crafted), context);
    }

    /// <inheritdoc />
    public override Task<V1.CommandResponse> SynFlood(V1.SynFloodRequest request, ServerCallContext context) =>
        Execute(request.SessionId, new SynFloodCommand(request.HasCount ? request.Count : SynFloodCommand.DefaultCount, !request.HasSpoofed || request.Spoofed), context);

    /// <inheritdoc />
    public override async Task<V1.Session> Rewind(V1.RewindRequest request, ServerCallContext context)
    {
        var outcome = Check(await lab.RewindAsync(request.SessionId, Token(context), request.ToStep, context.CancellationToken).ConfigureAwait(false));
        return Proto(outcome.Host, outcome.Snapshot);
    }

    /// <inheritdoc />
    public override async Task<V1.CreateSessionResponse> Fork(V1.ForkRequest request, ServerCallContext context)
    {
        var forked = Check(await lab.ForkAsync(request.SessionId, Token(context), request.AtStep, Owner(context), context.CancellationToken).ConfigureAwait(false));
        return new V1.CreateSessionResponse { Session = Proto(forked.Host, forked.Snapshot), Token = forked.Token };
    }

    /// <inheritdoc />
    public override async Task<V1.ListEventsResponse> ListEvents(V1.ListEventsRequest request, ServerCallContext context)
    {
        if (request.From < 0)
        {
            throw Invalid("from", "from must not be negative");
        }
        var limit = request.Limit == 0 ? 100 : request.Limit;
        if (limit is < 1 or > SessionsApi.MaxPage)
        {
            throw Invalid("limit", $"limit must be 1–{SessionsApi.MaxPage}");
        }
        var (events, total) = Check(await lab.EventsAsync(request.SessionId, request.From, limit, context.CancellationToken).ConfigureAwait(false));
        var response = new V1.ListEventsResponse { Next = Math.Min(total, request.From + events.Count), Total = total };
        response.Events.Add(events.Select(e => e.ToProto(request.SessionId)));
        return response;
    }

    /// <inheritdoc />
    public override async Task<V1.PcapFile> ExportPcap(V1.SessionRequest request, ServerCallContext context)
    {
        var bytes = Check(await lab.ReadAsync(request.SessionId, h => h.Session.ExportPcap(), context.CancellationToken).ConfigureAwait(false));
        return new V1.PcapFile { FileName = $"connlab-{request.SessionId}.pcap", Content = ByteString.CopyFrom(bytes) };
    }

    /// <inheritdoc />
    public override async Task<V1.TextExport> Netstat(V1.SessionRequest request, ServerCallContext context) => new()
    {
        Text = Check(await lab.ReadAsync(request.SessionId, h => h.Session.ExportNetstat(), context.CancellationToken).ConfigureAwait(false)),
        MediaType = "text/plain",
    };

    /// <inheritdoc />
    public override async Task<V1.TextExport> ExportDiagram(V1.SessionRequest request, ServerCallContext context) => new()
    {
        Text = Check(await lab.ReadAsync(request.SessionId, h => h.Session.ExportMermaid(), context.CancellationToken).ConfigureAwait(false)),
        MediaType = "text/vnd.mermaid",
    };

    /// <summary>
    /// Replays the trace from <c>from_index</c>, then follows live. The subscription is taken under the session's gate
    /// together with the replay's end, so no event is missed or sent twice. A watcher more than
    /// <c>ConnLab:WatchBuffer</c> changes behind is ended with ResourceExhausted and a <c>resume-from</c> trailer.
    /// </summary>
    public override async Task WatchSession(V1.WatchRequest request, IServerStreamWriter<V1.SessionEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        if (request.FromIndex < 0)
        {
            throw Invalid("from_index", "from_index must not be negative");
        }
        var id = request.SessionId;
        var live = Channel.CreateBounded<SessionChange>(new BoundedChannelOptions(Math.Max(1, lab.Options.WatchBuffer)) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var overflowed = false;
        void OnChange(SessionChange change)
        {
            if (!live.Writer.TryWrite(change))
            {
                overflowed = true; // never block the session for a slow watcher
                live.Writer.TryComplete();
            }
        }
        IDisposable? subscription = null;
        Result<List<LabEvent>> replay;
        try
        {
            replay = await lab.ReadAsync(id, h =>
            {
                subscription = streams.Subscribe(id, OnChange); // under the gate: nothing can change between the replay's end and this
                var all = h.Session.Events;
                return all.Skip((int)Math.Min(request.FromIndex, all.Count)).ToList();
            }, context.CancellationToken).ConfigureAwait(false);
        }
        catch
        {
            subscription?.Dispose();
            throw;
        }
        using var unsubscribe = subscription;
        var backlog = Check(replay);
        var next = request.FromIndex;
        var payload = request.IncludePayload;
        // The replay is buffered (no flush per event) and flushed every 256 events and at its end.
        var buffered = new WriteOptions(WriteFlags.BufferHint);
        for (var i = 0; i < backlog.Count; i++)
        {
            responseStream.WriteOptions = i % 256 == 255 || i == backlog.Count - 1 ? null : buffered;
            await responseStream.WriteAsync(backlog[i].ToProto(id, payload), context.CancellationToken).ConfigureAwait(false);
            next = backlog[i].Index + 1;
        }
        responseStream.WriteOptions = null;
        await foreach (var change in live.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            switch (change.Kind)
            {
                case SessionChangeKind.Deleted:
                    throw new RpcException(new Status(StatusCode.NotFound, $"session '{id}' was deleted"));
                case SessionChangeKind.Rewound:
                    throw new RpcException(new Status(StatusCode.Aborted, $"session '{id}' was rewound: watch again from index {change.Snapshot?.EventCount ?? 0}"),
                        new Metadata { { "resume-from", (change.Snapshot?.EventCount ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture) } });
                default:
                    var fresh = change.Events.Where(e => e.Index >= next).ToList();
                    for (var i = 0; i < fresh.Count; i++)
                    {
                        // A batch goes out with one flush, at its last event.
                        responseStream.WriteOptions = i == fresh.Count - 1 ? null : buffered;
                        await responseStream.WriteAsync(fresh[i].ToProto(id, payload), context.CancellationToken).ConfigureAwait(false);
                        next = fresh[i].Index + 1;
                    }
                    break;
            }
        }
        if (overflowed)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"the watcher fell more than {lab.Options.WatchBuffer} changes behind; watch again from index {next}"),
                new Metadata { { "resume-from", next.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        }
    }

    private async Task<V1.CommandResponse> Act(V1.EndpointRequest request, EndpointAction action, ServerCallContext context) =>
        await Execute(request.SessionId, new EndpointCommand(Role(request.Endpoint), action), context).ConfigureAwait(false);

    private async Task<V1.CommandResponse> Execute(string id, LabCommand command, ServerCallContext context)
    {
        var outcome = Check(await lab.ExecuteAsync(id, Token(context), command, context.CancellationToken).ConfigureAwait(false));
        var response = new V1.CommandResponse { Session = Proto(outcome.Host, outcome.Snapshot), Stop = CommandCodec.Name(outcome.Stop) };
        response.Events.Add(outcome.Events.Select(e => e.ToProto(id)));
        return response;
    }

    /// <inheritdoc />
    public override async Task<V1.CommandResponse> SetLive(V1.SetLiveRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var outcome = Check(await lab.SetLiveAsync(request.SessionId, Token(context), request.Speed, context.CancellationToken).ConfigureAwait(false));
        return new V1.CommandResponse { Session = Proto(outcome.Host, outcome.Snapshot), Stop = CommandCodec.Name(outcome.Stop) };
    }

    internal static V1.Session Proto(SessionHost host, SessionSnapshot snapshot)
    {
        var session = snapshot.ToProto(host.Id, host.Name);
        session.LiveSpeed = host.LiveSpeed ?? 0;
        session.Problem = host.Problem ?? "";
        return session;
    }

    private static EndpointRole Role(V1.Endpoint endpoint, string field = "endpoint") =>
        endpoint.ToEngine() ?? throw Invalid(field, $"{field} must be CLIENT or SERVER");

    internal static T Check<T>(Result<T> result) => result.Error is null ? result.Value! : throw Failure(result.Error);

    internal static RpcException Failure(ServiceError error)
    {
        var trailers = new Metadata();
        if (error.Field is not null)
        {
            trailers.Add("field", error.Field);
        }
        if (error.Engine?.State is { } state)
        {
            trailers.Add("state", Engine.Tcp.TcpStateNames.ToName(state));
        }
        return new RpcException(new Status(Problems.GrpcCode(error), error.Message), trailers);
    }

    private static RpcException Invalid(string field, string message) =>
        Failure(new ServiceError(ServiceErrorKind.BadRequest, $"{field}: {message}", Field: field));

    internal static string? Token(ServerCallContext context) => SessionToken.FromAuthorization(context.RequestHeaders.GetValue("authorization"));

    internal static string Owner(ServerCallContext context) => SessionsApi.Client(context.GetHttpContext().Request);

    internal static SessionConfig ToConfig(V1.CreateSessionRequest r)
    {
        var d = new SessionConfig();
        static EndpointConfig Endpoint(V1.EndpointConfig? e, EndpointConfig baseline) => e is null ? baseline : baseline with
        {
            Address = e.HasAddress ? e.Address : baseline.Address,
            Port = e.HasPort ? (int)Math.Min(e.Port, int.MaxValue) : baseline.Port,
            Isn = e.HasIsn ? e.Isn : baseline.Isn,
            Backlog = e.HasBacklog ? e.Backlog : baseline.Backlog,
            SynCookies = e.HasSynCookies ? e.SynCookies : baseline.SynCookies,
            AutoAccept = e.HasAutoAccept ? e.AutoAccept : baseline.AutoAccept,
            AutoRead = e.HasAutoRead ? e.AutoRead : baseline.AutoRead,
            ReceiveBuffer = e.HasReceiveBuffer ? e.ReceiveBuffer : baseline.ReceiveBuffer,
        };
        var link = r.Link is null ? d.Link : d.Link with
        {
            DelayMs = r.Link.HasDelayMs ? r.Link.DelayMs : d.Link.DelayMs,
            JitterMs = r.Link.HasJitterMs ? r.Link.JitterMs : d.Link.JitterMs,
            LossRate = r.Link.HasLossRate ? r.Link.LossRate : d.Link.LossRate,
            DuplicateRate = r.Link.HasDuplicateRate ? r.Link.DuplicateRate : d.Link.DuplicateRate,
            ReorderRate = r.Link.HasReorderRate ? r.Link.ReorderRate : d.Link.ReorderRate,
        };
        var o = r.Overrides;
        return d with
        {
            Profile = r.HasProfile ? r.Profile : d.Profile,
            Seed = r.HasSeed ? r.Seed : d.Seed,
            Client = Endpoint(r.Client, EndpointConfig.DefaultClient),
            Server = Endpoint(r.Server, EndpointConfig.DefaultServer),
            Link = link,
            Overrides = o is null ? null : new ProfileOverrides
            {
                InitialRtoMs = o.HasInitialRtoMs ? o.InitialRtoMs : null,
                MinRtoMs = o.HasMinRtoMs ? o.MinRtoMs : null,
                MaxRtoMs = o.HasMaxRtoMs ? o.MaxRtoMs : null,
                SynRetries = o.HasSynRetries ? o.SynRetries : null,
                SynAckRetries = o.HasSynAckRetries ? o.SynAckRetries : null,
                SynLinearTimeouts = o.HasSynLinearTimeouts ? o.SynLinearTimeouts : null,
                TimeWaitMs = o.HasTimeWaitMs ? o.TimeWaitMs : null,
                FinWait2TimeoutMs = o.HasFinWait2TimeoutMs ? o.FinWait2TimeoutMs : null,
                MslMs = o.HasMslMs ? o.MslMs : null,
                Mss = o.HasMss ? o.Mss : null,
                DelayedAckMs = o.HasDelayedAckMs ? o.DelayedAckMs : null,
                InitialWindowSegments = o.HasInitialWindowSegments ? o.InitialWindowSegments : null,
            },
        };
    }
}
