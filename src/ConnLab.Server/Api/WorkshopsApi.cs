using ConnLab.Engine.Lab;
using ConnLab.Server.Workshops;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnLab.Server.Api;

/// <summary>Create a workshop: its template session is created as <c>POST /api/sessions</c> would (every field optional).</summary>
/// <param name="Name">The workshop's name, shown to students.</param>
/// <param name="Scenario">The template's scenario preset (handshake, teardown, lost-syn, syn-flood, …; see <c>/api/scenarios</c>).</param>
/// <param name="Profile"><c>rfc9293</c> (default) or <c>linux</c>.</param>
/// <param name="Seed">Seed of every random choice (every sandbox is a fork, so all students share it).</param>
/// <param name="Client">The client endpoint.</param>
/// <param name="Server">The server endpoint.</param>
/// <param name="Link">Link delay and impairments.</param>
/// <param name="Overrides">Per-session changes to the profile.</param>
public sealed record CreateWorkshopRequest(string? Name = null, string? Scenario = null, string? Profile = null, ulong? Seed = null,
    EndpointRequest? Client = null, EndpointRequest? Server = null, LinkRequest? Link = null, ProfileOverrides? Overrides = null)
{
    internal SessionConfig ToConfig() => new CreateSessionRequest(Name, Profile, Seed, Scenario, Client, Server, Link, Overrides).ToConfig();
}

/// <summary>Join a workshop: the code from the projector and your name.</summary>
/// <param name="Code">The 6-character join code (case, spaces and dashes do not matter).</param>
/// <param name="StudentName">Your name as the instructor's grid shows it (1–60 characters).</param>
public sealed record JoinWorkshopRequest(string? Code = null, string? StudentName = null);

/// <summary>Follow-me: every student page shows one session (read-only) while it is on.</summary>
/// <param name="On">true turns it on (or moves it to <c>sessionId</c>), false turns it off.</param>
/// <param name="SessionId">The session to show: the template (default) or a student's sandbox.</param>
public sealed record FollowRequest(bool On = true, string? SessionId = null);

/// <summary>Workshops: an instructor's template, a join code, one sandbox per student, a live grid, follow-me.</summary>
public static class WorkshopsApi
{
    /// <summary>Maps the workshop routes.</summary>
    public static IEndpointRouteBuilder MapWorkshopsApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // As for sessions: an oversized body is refused (413) on every route, also on close, which reads none.
        var g = app.MapGroup("/api/workshops").WithTags("Workshops").AddEndpointFilter(JsonBody.RefuseOversized);
        g.MapPost("/", Create).Accepts<CreateWorkshopRequest>("application/json").WithName("CreateWorkshop")
            .WithSummary("Create a workshop from a scenario: a template session, a join code for the projector, an instructor key")
            .WithDescription("Keep instructorKey: the grid, follow-me and close need it as 'Authorization: Bearer <instructorKey>'. "
                + "templateToken drives the template session. 429 when ConnLab:MaxWorkshops workshops are open.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status429TooManyRequests);
        g.MapPost("/join", Join).Accepts<JoinWorkshopRequest>("application/json").WithName("JoinWorkshop")
            .WithSummary("Join by code: your own sandbox (a fork of the template as it is now) and its token")
            .WithDescription("No key needed. 404 for an unknown code, 410 once the workshop is closed or expired, 409 when it is full.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status410Gone);
        g.MapGet("/{id}", Grid).WithName("GetWorkshop")
            .WithSummary("The instructor's grid: every student's sandbox with both states, step, event count and outcome (instructor key)")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        g.MapPost("/{id}/follow", Follow).Accepts<FollowRequest>("application/json").WithName("FollowWorkshop")
            .WithSummary("Follow-me on or off: every student page shows one session, read-only (instructor key)")
            .WithDescription("Pushed to students over SignalR (hub /hubs/lab: JoinWorkshop(code), then WorkshopFollow(workshopId, sessionId | null)). "
                + "sessionId must be the template or a student's sandbox (400 otherwise); 410 once closed.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status410Gone);
        g.MapPost("/{id}/close", Close).WithName("CloseWorkshop")
            .WithSummary("Close the workshop: the code stops working (410), sandboxes turn read-only (instructor key)")
            .WithDescription("Students keep reading and watching their sandboxes; their tokens no longer change them (403 session-read-only). Closing twice is harmless.")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Created<CreatedWorkshop>, ProblemHttpResult>> Create(HttpRequest request, WorkshopService workshops, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateWorkshopRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var created = await workshops.CreateAsync(body!.Name, body.ToConfig(), body.Scenario, SessionsApi.Client(request), ct).ConfigureAwait(false);
        return created.Error is null
            ? TypedResults.Created($"/api/workshops/{created.Value!.Workshop.Id}", created.Value)
            : Problems.For(created.Error);
    }

    private static async Task<Results<Created<JoinedWorkshop>, ProblemHttpResult>> Join(HttpRequest request, WorkshopService workshops, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<JoinWorkshopRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var joined = await workshops.JoinAsync(body!.Code, body.StudentName, ct).ConfigureAwait(false);
        return joined.Error is null
            ? TypedResults.Created($"/api/sessions/{joined.Value!.Session.Id}", joined.Value)
            : Problems.For(joined.Error);
    }

    private static async Task<Results<Ok<WorkshopGrid>, ProblemHttpResult>> Grid(string id, HttpRequest request, WorkshopService workshops, CancellationToken ct) =>
        Answer(await workshops.GridAsync(id, SessionsApi.Token(request), ct).ConfigureAwait(false));

    private static async Task<Results<Ok<WorkshopGrid>, ProblemHttpResult>> Follow(string id, HttpRequest request, WorkshopService workshops, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<FollowRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        return Answer(await workshops.FollowAsync(id, SessionsApi.Token(request), body!.On, body.SessionId, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<WorkshopGrid>, ProblemHttpResult>> Close(string id, HttpRequest request, WorkshopService workshops, CancellationToken ct) =>
        Answer(await workshops.CloseAsync(id, SessionsApi.Token(request), ct).ConfigureAwait(false));

    private static Results<Ok<WorkshopGrid>, ProblemHttpResult> Answer(Sessions.Result<WorkshopGrid> grid) =>
        grid.Error is null ? TypedResults.Ok(grid.Value!) : Problems.For(grid.Error);
}
