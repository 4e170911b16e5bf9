using System.Text;

namespace ConnLab.Engine.Lab;

/// <summary>A lesson preset: configuration defaults plus the commands that set the stage.</summary>
/// <param name="Name">The preset's name, e.g. <c>lost-syn</c>.</param>
/// <param name="Title">A short title for menus.</param>
/// <param name="Description">What the student will see when stepping on from here.</param>
public sealed record Scenario(string Name, string Title, string Description)
{
    internal Func<SessionConfig, SessionConfig> Configure { get; init; } = static c => c;
    internal Func<LabSession, LabError?> Setup { get; init; } = static _ => null;

    /// <summary>Applies the preset's configuration defaults (fields the user set explicitly are kept where it matters).</summary>
    public SessionConfig ConfigureSession(SessionConfig config) => Configure(config);

    /// <summary>Runs the preset's setup commands on a new session (they are logged like any command).</summary>
    public LabError? Apply(LabSession session) => Setup(session);
}

/// <summary>The built-in lesson presets.</summary>
public static class Scenarios
{
    private static readonly byte[] HalfCloseData = Encoding.ASCII.GetBytes("still talking after your FIN");

    /// <summary>Every preset, in teaching order.</summary>
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("handshake", "The 3-way handshake",
            "The server listens and the client has just sent its SYN: step to watch SYN, SYN,ACK, ACK and both states change.")
        {
            Setup = s => Run(s, Listen, Connect),
        },
        new("teardown", "The 4-way teardown",
            "An established connection; the client has just called CLOSE. Step to see FIN, ACK, then close the server for its FIN and the final ACK.")
        {
            Setup = s => Run(s, Listen, Connect, Idle, Call(EndpointRole.Client, EndpointAction.Close)),
        },
        new("simultaneous-open", "Simultaneous open",
            "Nobody listens: both endpoints call connect at once. Their SYNs cross, both go SYN_SENT -> SYN_RECEIVED, and each re-sends its own ISS with an ACK (RFC 9293 Figure 7).")
        {
            Setup = s => Run(s, Connect, Call(EndpointRole.Server, EndpointAction.Connect)),
        },
        new("simultaneous-close", "Simultaneous close",
            "An established connection where both sides call CLOSE at once: the FINs cross, both pass through CLOSING and both end in TIME_WAIT.")
        {
            Setup = s => Run(s, Listen, Connect, Idle, Call(EndpointRole.Client, EndpointAction.Close), Call(EndpointRole.Server, EndpointAction.Close)),
        },
        new("half-close", "Half-close",
            "The client shut down its sending side (FIN, acknowledged); the server keeps sending data to it. Step to watch data flow towards FIN_WAIT_2.")
        {
            Setup = s => Run(s, Listen, Connect, Idle, Call(EndpointRole.Client, EndpointAction.Shutdown), Idle,
                s => s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Send, HalfCloseData)).Error),
        },
        new("lost-syn", "A lost SYN",
            "The client's SYN is lost on the way. Step: nothing arrives, the retransmission timer fires and the SYN goes again (after 1 s).")
        {
            Setup = s => Run(s, Listen, Connect, DropNewest),
        },
        new("lost-final-ack", "A lost final ACK",
            "The handshake's third segment is lost: the client is ESTABLISHED, the server stays SYN_RECEIVED until its SYN,ACK is retransmitted.")
        {
            Setup = s => Run(s, Listen, Connect, Steps(2), DropNewest),
        },
        new("time-wait", "TIME_WAIT",
            "The connection has just closed: the client, which closed first, waits 2·MSL in TIME_WAIT. Advance the clock to see it end.")
        {
            Setup = s => Run(s, Listen, Connect, Idle, Call(EndpointRole.Client, EndpointAction.Close), Steps(1),
                Call(EndpointRole.Server, EndpointAction.Close), Idle),
        },
        new("rst-closed-port", "RST from a closed port",
            "Nobody listens on the server's port: the client's SYN is answered with RST,ACK and connect fails with 'connection refused'.")
        {
            Setup = s => Run(s, Connect),
        },
        new("syn-flood", "SYN flood",
            "A listener with backlog 8 and SYN cookies off receives a flood of spoofed SYNs: its SYN queue fills with half-open entries and the client's SYN is dropped.")
        {
            Configure = c => c with { Server = c.Server with { Backlog = c.Server.Backlog == 128 ? 8 : c.Server.Backlog, SynCookies = false } },
            Setup = s => Run(s, Listen, Flood, Connect),
        },
        new("syn-flood-cookies", "SYN flood with SYN cookies",
            "The same flood with SYN cookies on: once the SYN queue is full, SYNs are answered statelessly and the client still gets in.")
        {
            Configure = c => c with { Server = c.Server with { Backlog = c.Server.Backlog == 128 ? 8 : c.Server.Backlog, SynCookies = true } },
            Setup = s => Run(s, Listen, Flood, Connect),
        },
    ];

    /// <summary>Finds a preset by name (case-insensitive).</summary>
    public static Scenario? Find(string? name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    private static Func<LabSession, LabError?> Listen => Call(EndpointRole.Server, EndpointAction.Listen);
    private static Func<LabSession, LabError?> Connect => Call(EndpointRole.Client, EndpointAction.Connect);
    private static Func<LabSession, LabError?> Idle => s => s.Execute(new RunCommand(RunUntil.Idle, MaxSteps: 1000)).Error;
    private static Func<LabSession, LabError?> Steps(int n) => s => s.Execute(new StepCommand(n)).Error;

    private static Func<LabSession, LabError?> Call(EndpointRole role, EndpointAction action) =>
        s => s.Execute(new EndpointCommand(role, action)).Error;

    // The flood is 2.5 times what the SYN queue holds, so it overflows visibly whatever the backlog.
    private static Func<LabSession, LabError?> Flood => s =>
    {
        var backlog = Math.Min(s.Config.Server.Backlog, s.Profile.MaxBacklog) + s.Profile.SynQueueSlack;
        return s.Execute(new SynFloodCommand(Math.Max(1, (backlog * 5) / 2))).Error;
    };

    private static Func<LabSession, LabError?> DropNewest => s =>
    {
        var newest = s.Events.LastOrDefault(e => e.Kind == EventKind.SegmentSent && e.Segment is not null)?.Segment;
        return newest is null
            ? LabError.Invalid("scenario", "nothing is in flight to drop")
            : s.Execute(new DropSegmentCommand(newest.Id)).Error;
    };

    private static LabError? Run(LabSession session, params Func<LabSession, LabError?>[] steps)
    {
        foreach (var step in steps)
        {
            if (step(session) is { } error)
            {
                return error;
            }
        }
        return null;
    }
}
