using ConnLab.Engine.Net;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Lab;

internal sealed partial class Simulation
{
    public EndpointView ViewOf(EndpointRole role) => HostViewOf(role) with { Host = StackFor(role).Role };

    private EndpointView HostViewOf(EndpointRole role)
    {
        var stack = StackFor(role);
        if (stack.PrimaryConnection is { } live)
        {
            return ViewOf(live);
        }
        if (stack.Listener is { } listener)
        {
            return ViewOf(listener);
        }
        if (stack.LastPrimary is { } last)
        {
            return ViewOf(last) with { State = TcpState.Closed };
        }
        return new EndpointView
        {
            Name = stack.Role,
            Address = IpPort.FormatAddress(stack.Primary.Address),
            Port = stack.Primary.Port,
            State = TcpState.Closed,
            RcvWnd = (uint)stack.ReceiveBuffer,
        };
    }

    /// <summary>The state the endpoint shows (its live connection, else its listener, else CLOSED).</summary>
    public TcpState StateOf(EndpointRole role)
    {
        var stack = StackFor(role);
        return stack.PrimaryConnection?.State ?? (stack.Listener is not null ? TcpState.Listen : TcpState.Closed);
    }

    private static EndpointView ViewOf(Connection c) => new()
    {
        Name = c.Name,
        Address = IpPort.FormatAddress(c.Local.Address),
        Port = c.Local.Port,
        Remote = c.Remote.ToString(),
        State = c.State,
        Iss = c.Iss.Value,
        Irs = c.Irs.Value,
        SndUna = c.SndUna.Value,
        SndNxt = c.SndNxt.Value,
        SndWnd = c.SndWnd,
        RcvNxt = c.RcvNxt.Value,
        RcvWnd = c.RcvWnd,
        SendQueue = c.SendQueue,
        ReceiveQueue = c.RcvUnread,
        Cwnd = c.Cwnd,
        RtoMs = c.RtoUs / 1000.0,
        SrttMs = c.SrttUs / 1000.0,
        Mss = c.SendMss,
        Retries = c.Retries,
        Closed = c.UserClosed,
        BytesReceived = c.BytesRead,
        BytesAcked = c.BytesAcked,
    };

    private static EndpointView ViewOf(Listener l) => new()
    {
        Name = l.Name,
        Address = IpPort.FormatAddress(l.Local.Address),
        Port = l.Local.Port,
        State = TcpState.Listen,
        RcvWnd = (uint)l.Stack.ReceiveBuffer,
        // netstat shows a listener's accept queue as Recv-Q and its backlog as Send-Q (ss -ltn does the same).
        ReceiveQueue = l.AcceptQueueCount,
        SendQueue = l.Backlog,
    };

    public SessionSnapshot Snapshot(IReadOnlyList<ConnectionSummary> connections)
    {
        var sockets = new List<EndpointView>();
        foreach (var stack in new[] { Client, Server })
        {
            if (stack.Listener is { } l)
            {
                sockets.Add(ViewOf(l) with { Host = stack.Role });
            }
            var conns = stack.Connections.ToList();
            conns.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            sockets.AddRange(conns.Select(c => ViewOf(c) with { Host = stack.Role }));
        }
        var timers = new List<TimerView>();
        foreach (var c in Client.Connections.Concat(Server.Connections))
        {
            for (var k = TimerKind.Retransmission; k <= TimerKind.FinWait2; k++)
            {
                if (c.IsTimerRunning(k))
                {
                    timers.Add(new TimerView(c.Name, k, c.TimerDue(k)));
                }
            }
        }
        timers.Sort(static (a, b) => a.DueUs != b.DueUs ? a.DueUs.CompareTo(b.DueUs) : string.CompareOrdinal(a.Endpoint, b.Endpoint));
        var listener = Server.Listener ?? Client.Listener;
        return new SessionSnapshot
        {
            Profile = Profile.Name,
            Seed = Config.Source.Seed,
            TimeUs = NowUs,
            Step = Step,
            EventCount = _events.Count,
            Client = ViewOf(EndpointRole.Client),
            Server = ViewOf(EndpointRole.Server),
            Sockets = sockets,
            InFlight = Array.ConvertAll(Link.Snapshot(SessionSnapshot.InFlightListed), static f => new InFlightView(f.Segment, f.DeliverAtUs)),
            InFlightCount = Link.Count,
            Timers = timers,
            Listener = listener is null ? null : new ListenerView
            {
                Endpoint = listener.Name,
                Port = listener.Local.Port,
                Backlog = listener.Backlog,
                SynQueue = listener.SynQueueCount,
                SynQueueLimit = listener.SynQueueLimit,
                AcceptQueue = listener.AcceptQueueCount,
                AcceptQueueLimit = listener.AcceptQueueLimit,
                SynCookies = listener.SynCookies,
                CookiesSent = listener.CookiesSent,
                SynQueueDrops = listener.SynQueueDrops,
                AcceptQueueDrops = listener.AcceptQueueDrops,
            },
            Connections = connections,
        };
    }
}
