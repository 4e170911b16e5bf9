using System.Globalization;
using System.Text;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Server.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ConnLab.Server.Api;

/// <summary>The REST API of architecture §3: thin handlers over <see cref="LabService"/>.</summary>
public static class SessionsApi
{
    /// <summary>Largest page of events one call returns.</summary>
    public const int MaxPage = 1000;

    /// <summary>The user calls an endpoint takes (also Swagger's choices for <c>{action}</c>).</summary>
    internal static readonly string[] Actions = ["listen", "connect", "send", "close", "abort", "shutdown", "accept", "read"];

    /// <summary>What can be done to a segment in flight (also Swagger's choices for <c>{intervention}</c>).</summary>
    internal static readonly string[] Interventions = ["drop", "duplicate"];

    /// <summary>Maps every session route.</summary>
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/scenarios", () => TypedResults.Ok(Scenarios.All.Select(s => new ScenarioView(s.Name, s.Title, s.Description)).ToList()))
            .WithTags("Scenarios").WithName("ListScenarios").WithSummary("Lesson presets to create a session from");

        var g = app.MapGroup("/api/sessions").WithTags("Sessions").AddEndpointFilter(JsonBody.RefuseOversized);
        g.MapPost("/", Create).Accepts<CreateSessionRequest>("application/json").WithName("CreateSession").Refuses(400, 413, 415, 429, 503, 507)
            .WithSummary("Create a session (optionally from a scenario preset)")
            .WithDescription("Returns the snapshot and a token: keep it, every call that changes the session needs it as 'Authorization: Bearer <token>'.");
        g.MapGet("/", List).WithName("ListSessions").Refuses(429).WithSummary("List your sessions (all of them with the admin key)");
        g.MapGet("/{id}", Get).WithName("GetSession").Refuses(Reading).WithSummary("Read a session's snapshot");
        g.MapDelete("/{id}", Delete).WithName("DeleteSession").Refuses(401, 403, 404, 429, 503).WithSummary("Delete a session and its stored trace");

        g.MapPost("/{id}/endpoints/{endpoint}/{action}", Act).Accepts<SendRequest>("application/json").WithName("Act").Refuses([.. ChangingWithBody, 409])
            .WithSummary("A user call on an endpoint: listen, connect, send, close, abort (also shutdown, accept, read)")
            .WithDescription("endpoint is client or server. send takes {\"data\": \"text\"} or {\"dataBase64\": \"...\"}. An action the state forbids is 409 with the state and RFC 9293's error string.");
        g.MapPost("/{id}/step", Step).Accepts<StepRequest>("application/json").WithName("Step").Refuses(ChangingWithBody)
            .WithSummary("Process the next scheduled thing (a segment arrival or a timer), count times");
        g.MapPost("/{id}/run", Run).Accepts<RunRequest>("application/json").WithName("Run").Refuses(ChangingWithBody)
            .WithSummary("Step until idle, until an endpoint reaches a state, or for a step budget");
        g.MapPost("/{id}/advance", Advance).Accepts<AdvanceRequest>("application/json").WithName("Advance").Refuses(ChangingWithBody)
            .WithSummary("Move the virtual clock by ms, firing what falls due");
        g.MapPost("/{id}/segments/{segmentId}/{intervention}", Intervene).WithName("InterveneOnSegment").Refuses(Changing)
            .WithSummary("Drop or duplicate one in-flight segment (intervention: drop | duplicate)");
        g.MapPost("/{id}/segments", Inject).Accepts<CraftedSegmentRequest>("application/json").WithName("InjectSegment").Refuses(ChangingWithBody)
            .WithSummary("Put a hand-made segment in flight (a blind RST, an old duplicate SYN, …)");
        g.MapPost("/{id}/attacks/syn-flood", Flood).Accepts<SynFloodRequest>("application/json").WithName("SynFlood").Refuses(ChangingWithBody)
            .WithSummary("Spoofed SYNs at the server's port");
        g.MapPost("/{id}/rewind", Rewind).Accepts<RewindRequest>("application/json").WithName("Rewind").Refuses(ChangingWithBody)
            .WithSummary("Step back: the session as it was right after step toStep");
        g.MapPost("/{id}/fork", Fork).Accepts<ForkRequest>("application/json").WithName("Fork").Refuses(ChangingWithBody)
            .WithSummary("Branch a new session as this one was after step atStep (what if this ACK were lost?)");
        g.MapPost("/{id}/live", Live).Accepts<LiveRequest>("application/json").WithName("Live").Refuses(ChangingWithBody)
            .WithSummary("Play the session in real time at a speed (virtual ms per real ms; 0 pauses), for projector dashboards");
        g.MapGet("/{id}/events", Events).WithName("ListEvents").Refuses([400, .. Reading]).WithSummary("The trace, paged (from, limit ≤ 1000)");
        g.MapGet("/{id}/trace", Trace).WithName("ReadTrace").Refuses([400, .. Reading])
            .WithSummary("The snapshot and every event from an index in one consistent read (a dashboard's first draw)")
            .WithDescription("Answers { session, events, nextIndex } as the SignalR hub's Watch does (segments without payload octets; /events has them), "
                + "without subscribing: a page draws from it while its hub connection starts, then calls Watch(sessionId, nextIndex).");
        g.MapGet("/{id}/trace.pcap", Pcap).WithName("ExportPcap").Refuses(Reading).WithSummary("The trace as a pcap file for Wireshark")
            .Produces(StatusCodes.Status200OK, contentType: "application/vnd.tcpdump.pcap");
        g.MapGet("/{id}/netstat", Netstat).WithName("Netstat").Refuses(Reading).WithSummary("Every socket as netstat -tan prints it, per host")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        g.MapGet("/{id}/diagram.mmd", Diagram).WithName("Diagram").Refuses(Reading).WithSummary("The trace as a Mermaid sequence diagram")
            .Produces<string>(StatusCodes.Status200OK, "text/vnd.mermaid");
        return app;
    }

    // The refusals each route can answer, as ProblemDetails (documented for Swagger; descriptions in LabSwagger).
    private static readonly int[] Reading = [404, 429, 503];
    private static readonly int[] Changing = [400, 401, 403, 404, 413, 429, 503, 507];
    private static readonly int[] ChangingWithBody = [.. Changing, 415]; // routing refuses a body that is not JSON

    private static RouteHandlerBuilder Refuses(this RouteHandlerBuilder route, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            route.ProducesProblem(status);
        }
        return route;
    }

    private static async Task<Results<Created<CreatedView>, ProblemHttpResult>> Create(HttpRequest request, LabService lab, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateSessionRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var created = await lab.CreateAsync(body!.Name, body.ToConfig(), body.Scenario, Client(request), ct).ConfigureAwait(false);
        if (created.Error is not null)
        {
            return Problems.For(created.Error);
        }
        var (host, token, snapshot) = created.Value!;
        return TypedResults.Created($"/api/sessions/{host.Id}", new CreatedView(token, SessionView.From(host, snapshot)));
    }

    private static Ok<List<SessionSummaryView>> List(HttpRequest request, LabService lab) =>
        TypedResults.Ok(lab.List(Client(request), lab.IsAdmin(AdminKey(request)))
            .Select(h => new SessionSummaryView(h.Id, h.Name, h.CreatedAt, h.IsLoaded)).ToList());

    private static async Task<Results<JsonOk<SessionView>, ProblemHttpResult>> Get(string id, LabService lab, CancellationToken ct)
    {
        var view = await lab.ReadAsync(id, h => SessionView.From(h, h.Session.Snapshot()), ct).ConfigureAwait(false);
        return view.Error is null ? JsonOk.Of(view.Value!) : Problems.For(view.Error);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, HttpRequest request, LabService lab, CancellationToken ct)
    {
        var error = await lab.DeleteAsync(id, Token(request), lab.IsAdmin(AdminKey(request)), ct).ConfigureAwait(false);
        return error is null ? TypedResults.NoContent() : Problems.For(error);
    }

    private static async Task<Results<JsonOk<CommandView>, ProblemHttpResult>> Act(string id, string endpoint, string action, HttpRequest request,
        LabService lab, CancellationToken ct)
    {
        if (!TryRole(endpoint, out var role))
        {
            return Problems.Invalid("endpoint", $"endpoint must be 'client' or 'server', not '{endpoint}'");
        }
        if (!Actions.Contains(action) || !CommandCodec.TryParseName<EndpointAction>(action, out var act))
        {
            return Problems.Invalid("action", $"action must be one of {string.Join(", ", Actions)}, not '{action}'");
        }
        ReadOnlyMemory<byte> data = default;
        var maxBytes = 0;
        if (act == EndpointAction.Send)
        {
            var (body, problem) = await JsonBody.ReadAsync<SendRequest>(request).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }
            if (body!.Data is not null && body.DataBase64 is not null)
            {
                return Problems.Invalid("data", "give either data or dataBase64, not both");
            }
            if (body.DataBase64 is not null)
            {
                try
                {
                    data = Convert.FromBase64String(body.DataBase64);
                }
                catch (FormatException)
                {
                    return Problems.Invalid("dataBase64", "dataBase64 is not valid base64");
                }
            }
            else
            {
                data = Encoding.UTF8.GetBytes(body.Data ?? "");
            }
        }
        else if (act == EndpointAction.Read && request.Query.TryGetValue("maxBytes", out var max)
                 && (!int.TryParse(max, out maxBytes) || maxBytes < 0))
        {
            return Problems.Invalid("maxBytes", "maxBytes must be a non-negative integer");
        }
        return await Execute(lab, id, request, new EndpointCommand(role, act, data, maxBytes), ct).ConfigureAwait(false);
    }

    private static async Task<Results<JsonOk<CommandView>, ProblemHttpResult>> Step(string id, HttpRequest request, LabService lab, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<StepRequest>(request).ConfigureAwait(false);
        return problem ?? await Execute(lab, id, request, new StepCommand(body!.Count), ct).ConfigureAwait(false);
    }

    private static async Task<Results<JsonOk<CommandView>, ProblemHttpResult>> Run(string id, HttpRequest request, LabService lab, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<RunRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        if (!CommandCodec.TryParseName<RunUntil>(body!.Until, out var until))
        {
            return Problems.Invalid("until", $"until must be idle, state or steps, not '{body.Until}'");
        }
        EndpointRole? role = null;
        TcpState? state = null;
        if (until == RunUntil.State)
        {
            if (!TryRole(body.Endpoint, out var r))
            {
                return Problems.Invalid("endpoint", "until 'state' needs endpoint: client or server");
            }
            if (!TcpStateNames.TryParse(body.State, out var s))
            {
                return Problems.Invalid("state", $"until 'state' needs state: one of {string.Join(" ", TcpStateNames.All)}");
            }
            (role, state) = (r, s);
        }
        return await Execute(lab, id, request, new RunCommand(until, role, state, body.MaxSteps), ct).ConfigureAwait(false);
    }

    private static async Task<Results<JsonOk<CommandView>, ProblemHttpResult>> Advance(string id, HttpRequest request, LabService lab, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<AdvanceRequest>(request).ConfigureAwait(false);
        return problem ?? await Execute(lab, id, request, new AdvanceCommand(body!.Ms), ct).ConfigureAwait(false);
    }

    private static async Task<Results<JsonOk<CommandView>, ProblemHttpResult>> Intervene(string id, string segmentId, string intervention,
        HttpRequest request, LabService lab, CancellationToken ct)
    {
        if (!long.TryParse(segmentId, out var segment) || segment < 1)
        {
            return Problems.Invalid("segmentId", $"segmentId must be a positive integer, not '{segmentId}'");
        }
        LabCommand? command = intervention switch
        {
            "drop" => new DropSegmentCommand(segment),
            "duplicate" => new DuplicateSegmentCommand(segment),
            _ => null,
        };
        return command is null
            ? Problems.Invalid("intervention", $"intervention must be {string.Join(" or ", Interventions)}, not '{intervention}'")
            : await Execute(lab, id, request, command, ct).ConfigureAwait(false);
    }

    private static async Task<Results<JsonOk<CommandView>, ProblemHttpResult>> Inject(string id, HttpRequest request, LabService lab, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<CraftedSegmentRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        if (!TryRole(body!.From, out var from))
        {
            return Problems.Invalid("from", "from must be 'client' or 'server'");
        }
        var flags = TcpFlags.None;
        foreach (var name in body.Flags ?? [])
        {
            if (!TcpFlagNames.TryParse(name, out var flag))
            {
                return Problems.Invalid("flags", $"'{name}' is not a TCP flag: use URG ACK PSH RST SYN FIN");
            }
            flags |= flag;
        }
        var crafted = new CraftedSegment
        {
            From = from, Source = body.Src, Destination = body.Dst, Flags = flags, Seq = body.Seq, Ack = body.Ack, Window = body.Window,
            Data = Encoding.UTF8.GetBytes(body.Data ?? ""),
        };
        return await Execute(lab, id, request, new InjectSegmentCommand(crafted), ct).ConfigureAwait(false);
    }

    private static async Task<Results<JsonOk<CommandView>, ProblemHttpResult>> Flood(string id, HttpRequest request, LabService lab, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<SynFloodRequest>(request).ConfigureAwait(false);
        return problem ?? await Execute(lab, id, request, new SynFloodCommand(body!.Count, body.Spoofed), ct).ConfigureAwait(false);
    }

    private static async Task<Results<JsonOk<CommandView>, ProblemHttpResult>> Live(string id, HttpRequest request, LabService lab, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<LiveRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var outcome = await lab.SetLiveAsync(id, Token(request), body!.Speed, ct).ConfigureAwait(false);
        return outcome.Error is null ? JsonOk.Of(View(outcome.Value!)) : Problems.For(outcome.Error);
    }

    private static async Task<Results<JsonOk<CommandView>, ProblemHttpResult>> Rewind(string id, HttpRequest request, LabService lab, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<RewindRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var outcome = await lab.RewindAsync(id, Token(request), body!.ToStep, ct).ConfigureAwait(false);
        return outcome.Error is null ? JsonOk.Of(View(outcome.Value!)) : Problems.For(outcome.Error);
    }

    private static async Task<Results<Created<CreatedView>, ProblemHttpResult>> Fork(string id, HttpRequest request, LabService lab, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<ForkRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var forked = await lab.ForkAsync(id, Token(request), body!.AtStep, Client(request), ct).ConfigureAwait(false);
        if (forked.Error is not null)
        {
            return Problems.For(forked.Error);
        }
        var (host, token, snapshot) = forked.Value!;
        return TypedResults.Created($"/api/sessions/{host.Id}", new CreatedView(token, SessionView.From(host, snapshot)));
    }

    // from and limit bind as text so a malformed one is a 400 that names it, like every other field.
    private static async Task<Results<JsonOk<EventPageView>, ProblemHttpResult>> Events(string id, LabService lab, CancellationToken ct,
        [FromQuery(Name = "from")] string? fromText = null, [FromQuery(Name = "limit")] string? limitText = null)
    {
        var from = 0L;
        if (fromText is not null && (!long.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out from) || from < 0))
        {
            return Problems.Invalid("from", $"from must be a non-negative integer, not '{fromText}'");
        }
        var limit = 100;
        if (limitText is not null && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPage))
        {
            return Problems.Invalid("limit", $"limit must be 1–{MaxPage}, not '{limitText}'");
        }
        var page = await lab.EventsAsync(id, from, limit, ct).ConfigureAwait(false);
        if (page.Error is not null)
        {
            return Problems.For(page.Error);
        }
        var (events, total) = page.Value;
        return JsonOk.Of(new EventPageView(events.Select(EventView.Of).ToList(), from, Math.Min(total, from + events.Count), total), events.Count);
    }

    private static async Task<Results<JsonOk<Hubs.WatchAnswer>, ProblemHttpResult>> Trace(string id, LabService lab, CancellationToken ct,
        [FromQuery(Name = "from")] string? fromText = null)
    {
        var from = 0L;
        if (fromText is not null && (!long.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out from) || from < 0))
        {
            return Problems.Invalid("from", $"from must be a non-negative integer, not '{fromText}'");
        }
        var read = await Hubs.WatchAnswer.ReadAsync(lab, id, from, underGate: null, ct).ConfigureAwait(false);
        return read.Error is null ? JsonOk.Of(read.Value!) : Problems.For(read.Error);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Pcap(string id, LabService lab, CancellationToken ct)
    {
        var bytes = await lab.ReadAsync(id, h => h.Session.ExportPcap(), ct).ConfigureAwait(false);
        return bytes.Error is null
            ? TypedResults.File(bytes.Value!, "application/vnd.tcpdump.pcap", $"connlab-{id}.pcap")
            : Problems.For(bytes.Error);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Netstat(string id, LabService lab, CancellationToken ct)
    {
        var text = await lab.ReadAsync(id, h => h.Session.ExportNetstat(), ct).ConfigureAwait(false);
        return text.Error is null ? TypedResults.Text(text.Value!, "text/plain; charset=utf-8") : Problems.For(text.Error);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Diagram(string id, LabService lab, CancellationToken ct)
    {
        var text = await lab.ReadAsync(id, h => h.Session.ExportMermaid(), ct).ConfigureAwait(false);
        return text.Error is null ? TypedResults.Text(text.Value!, "text/vnd.mermaid; charset=utf-8") : Problems.For(text.Error);
    }

    private static async Task<Results<JsonOk<CommandView>, ProblemHttpResult>> Execute(LabService lab, string id, HttpRequest request,
        LabCommand command, CancellationToken ct)
    {
        var outcome = await lab.ExecuteAsync(id, Token(request), command, ct).ConfigureAwait(false);
        return outcome.Error is null ? JsonOk.Of(View(outcome.Value!)) : Problems.For(outcome.Error);
    }

    /// <summary>What an act or move call answers (also Swagger's example answer).</summary>
    internal static CommandView View(CommandOutcome o) =>
        new(o.Events.Select(EventView.Of).ToList(), SessionView.From(o.Host, o.Snapshot), CommandCodec.Name(o.Stop));

    private static bool TryRole(string? name, out EndpointRole role) => CommandCodec.TryParseName(name, out role);

    /// <summary>The bearer token, if any.</summary>
    internal static string? Token(HttpRequest request) => SessionToken.FromAuthorization(request.Headers.Authorization.ToString());

    private static string? AdminKey(HttpRequest request) =>
        request.Headers.TryGetValue("X-Admin-Key", out var key) ? key.ToString() : Token(request);

    /// <summary>The caller's identity for quotas and rate limits: its address.</summary>
    internal static string Client(HttpRequest request) => request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "local";
}
