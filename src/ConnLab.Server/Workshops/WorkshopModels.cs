using ConnLab.Server.Api;

namespace ConnLab.Server.Workshops;

/// <summary>A workshop as the instructor's grid shows it.</summary>
/// <param name="Id">Public id (the instructor's routes use it).</param>
/// <param name="Name">Display name.</param>
/// <param name="Code">The join code students type (6 characters, no 0/O or 1/I; case and dashes do not matter).</param>
/// <param name="Scenario">The template's scenario preset, or "-".</param>
/// <param name="TemplateSessionId">The instructor's template session; each student gets a fork of it as it is when they join.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="ExpiresAt">When the code stops working by itself (<c>ConnLab:WorkshopTtlMinutes</c>).</param>
/// <param name="Open">True while the code works (not closed, not expired).</param>
/// <param name="ClosedAt">When the instructor closed it.</param>
/// <param name="FollowSessionId">While follow-me is on: the session every student page shows.</param>
/// <param name="MaxStudents">Most students it admits.</param>
/// <param name="Students">Every student's sandbox, in join order.</param>
public sealed record WorkshopGrid(string Id, string Name, string Code, string Scenario, string TemplateSessionId, DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt, bool Open, DateTimeOffset? ClosedAt, string? FollowSessionId, int MaxStudents, IReadOnlyList<WorkshopStudent> Students);

/// <summary>One line of the grid: a student's sandbox now.</summary>
/// <param name="Name">The name the student gave.</param>
/// <param name="SessionId">Their session (watch it over SignalR, read it over REST).</param>
/// <param name="JoinedAt">Join time.</param>
/// <param name="ClientState">The client endpoint's state (null if the session was deleted).</param>
/// <param name="ServerState">The server endpoint's state (null if the session was deleted).</param>
/// <param name="Step">Steps taken.</param>
/// <param name="EventCount">Events in the trace.</param>
/// <param name="TimeMs">Virtual clock.</param>
/// <param name="Outcome">not started, in progress, established, closing, closed, reset, refused, timed out, or deleted.</param>
public sealed record WorkshopStudent(string Name, string SessionId, DateTimeOffset JoinedAt, string? ClientState, string? ServerState, long Step,
    long EventCount, double TimeMs, string Outcome);

/// <summary>A new workshop: keep <c>instructorKey</c> (shown once); put <c>workshop.code</c> on the projector.</summary>
/// <param name="InstructorKey">Bearer key for the grid, follow-me and close (stored hashed).</param>
/// <param name="TemplateToken">Bearer token of the template session (drive it to show the class).</param>
/// <param name="Workshop">The workshop, with no students yet.</param>
/// <param name="Template">The template session's snapshot.</param>
public sealed record CreatedWorkshop(string InstructorKey, string TemplateToken, WorkshopGrid Workshop, SessionView Template);

/// <summary>A student's sandbox: a fork of the template at its current step, with its own token.</summary>
/// <param name="WorkshopId">The workshop.</param>
/// <param name="WorkshopName">Its name.</param>
/// <param name="Code">Its join code.</param>
/// <param name="Token">Bearer token of the student's session (shown once).</param>
/// <param name="Session">The student's session.</param>
/// <param name="FollowSessionId">The session follow-me shows now, or null.</param>
public sealed record JoinedWorkshop(string WorkshopId, string WorkshopName, string Code, string Token, SessionView Session, string? FollowSessionId);

/// <summary>What a student page needs to follow a workshop (the answer to the hub's <c>JoinWorkshop</c>).</summary>
/// <param name="WorkshopId">The workshop.</param>
/// <param name="Name">Its name.</param>
/// <param name="Open">True while its code works.</param>
/// <param name="FollowSessionId">The session follow-me shows now, or null.</param>
public sealed record WorkshopPresence(string WorkshopId, string Name, bool Open, string? FollowSessionId);

/// <summary>What changed in a workshop, for the hub's pushes.</summary>
/// <param name="WorkshopId">The workshop.</param>
/// <param name="Kind">What changed.</param>
/// <param name="FollowSessionId">Follow: the session to show, or null (off).</param>
public sealed record WorkshopChange(string WorkshopId, WorkshopChangeKind Kind, string? FollowSessionId = null);

/// <summary>Kinds of <see cref="WorkshopChange"/>.</summary>
public enum WorkshopChangeKind
{
    /// <summary>A student joined or a sandbox changed: the grid is stale.</summary>
    Grid,
    /// <summary>Follow-me was turned on, moved or off.</summary>
    Follow,
    /// <summary>The workshop closed.</summary>
    Closed,
}
