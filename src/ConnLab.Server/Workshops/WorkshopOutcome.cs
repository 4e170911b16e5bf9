using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;

namespace ConnLab.Server.Workshops;

/// <summary>
/// A sandbox's outcome in one word for the instructor's grid, read incrementally from its trace (the latest
/// connection-level event of the pair decides) and its endpoints' states now.
/// </summary>
public sealed class WorkshopOutcome
{
    private long _scanned;
    private EventKind? _last;

    /// <summary>Reads the events not seen yet (after a rewind, the whole trace again).</summary>
    public void Feed(IReadOnlyList<LabEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count < _scanned)
        {
            (_scanned, _last) = (0, null);
        }
        for (var i = (int)_scanned; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Endpoint is not ("client" or "server"))
            {
                continue; // a flood's half-open sockets say nothing about the pair
            }
            if (e.Kind is EventKind.ConnectionEstablished or EventKind.ConnectionReset or EventKind.ConnectionRefused or EventKind.ConnectionTimedOut)
            {
                _last = e.Kind;
            }
        }
        _scanned = events.Count;
    }

    /// <summary>The outcome given the pair's states now.</summary>
    public string Describe(TcpState client, TcpState server) => Of(_last, client, server);

    /// <summary>The outcome of the latest connection-level event and the states now.</summary>
    public static string Of(EventKind? last, TcpState client, TcpState server) => last switch
    {
        EventKind.ConnectionReset => "reset",
        EventKind.ConnectionRefused => "refused",
        EventKind.ConnectionTimedOut => "timed out",
        EventKind.ConnectionEstablished when client == TcpState.Established && server == TcpState.Established => "established",
        EventKind.ConnectionEstablished when Done(client) && Done(server) => "closed",
        EventKind.ConnectionEstablished => "closing",
        _ when client == TcpState.Closed && server is TcpState.Closed or TcpState.Listen => "not started",
        _ => "in progress",
    };

    private static bool Done(TcpState s) => s is TcpState.Closed or TcpState.TimeWait or TcpState.Listen;
}
