using ConnLab.Engine.Lab;
using ConnLab.Engine.Net;

namespace ConnLab.Engine.Tcp;

/// <summary>
/// One host's TCP: its connections by 4-tuple, its listener, and what it does with a segment that matches neither
/// (RFC 9293 §3.10.7.1). The pair's endpoint (<c>client</c> or <c>server</c>) is this host's primary socket.
/// </summary>
internal sealed class TcpStack
{
    private readonly Dictionary<FourTuple, Connection> _connections = [];
    private readonly SeqNum? _fixedIss;

    public TcpStack(ITcpEffects env, string role, IpPort primary, IpPort peer, EndpointConfig config)
    {
        Env = env;
        Role = role;
        Primary = primary;
        Peer = peer;
        ReceiveBuffer = config.ReceiveBuffer ?? env.Profile.ReceiveBuffer;
        AutoRead = config.AutoRead;
        AutoAccept = config.AutoAccept;
        Backlog = config.Backlog;
        SynCookies = config.SynCookies ?? env.Profile.SynCookiesByDefault;
        _fixedIss = config.Isn is { } isn ? new SeqNum((uint)isn) : null;
    }

    public ITcpEffects Env { get; }
    public string Role { get; }
    public IpPort Primary { get; }
    public IpPort Peer { get; }
    public int ReceiveBuffer { get; }
    public bool AutoRead { get; }
    public bool AutoAccept { get; }
    public int Backlog { get; }
    public bool SynCookies { get; }
    public Listener? Listener { get; private set; }

    /// <summary>The last TCB of the primary 4-tuple, kept after deletion so a CLOSED endpoint still shows its final numbers.</summary>
    public Connection? LastPrimary { get; private set; }

    public IEnumerable<Connection> Connections => _connections.Values;
    public int ConnectionCount => _connections.Count;

    /// <summary>The primary 4-tuple's live connection, if any.</summary>
    public Connection? PrimaryConnection =>
        _connections.TryGetValue(new FourTuple(Primary, Peer), out var c) ? c : null;

    /// <summary>Demultiplexes an arriving segment: exact 4-tuple, then a listener, else "no TCB" (RFC 9293 §3.10.7.1).</summary>
    public void Deliver(Segment seg)
    {
        if (_connections.TryGetValue(new FourTuple(seg.Destination, seg.Source), out var connection))
        {
            Env.Record(EventKind.SegmentDelivered, connection.Name, Rule.SegmentArrived, seg);
            connection.OnSegment(seg);
        }
        else if (Listener is { } listener && listener.Local.Port == seg.Destination.Port)
        {
            Env.Record(EventKind.SegmentDelivered, listener.Name, Rule.SegmentArrived, seg);
            listener.OnSegment(seg);
        }
        else
        {
            Env.Record(EventKind.SegmentDelivered, Role, Rule.SegmentArrived, seg);
            SendResetFor(seg, Role, seg.Has(TcpFlags.Rst) ? Rule.ClosedRstDropped : Rule.ClosedPortReset);
        }
    }

    public bool HasListenerOn(ushort port) => Listener is { } l && l.Local.Port == port;

    public void DeliverToListener(Segment seg, SeqNum iss) => Listener?.OnSegment(seg, iss);

    /// <summary>
    /// The reply to a segment no TCB wants (RFC 9293 §3.10.7.1): nothing for an RST; &lt;SEQ=SEG.ACK&gt;&lt;CTL=RST&gt;
    /// if it had ACK; else &lt;SEQ=0&gt;&lt;ACK=SEG.SEQ+SEG.LEN&gt;&lt;CTL=RST,ACK&gt; (trace d, probes 17–23).
    /// </summary>
    public void SendResetFor(Segment seg, string endpoint, Rule rule)
    {
        if (seg.Has(TcpFlags.Rst))
        {
            Env.Record(EventKind.SegmentDiscarded, endpoint, Rule.ClosedRstDropped, seg);
            return;
        }
        if (rule == Rule.ClosedPortReset)
        {
            Env.Record(EventKind.SegmentDiscarded, endpoint, rule, seg);
        }
        var spec = seg.Has(TcpFlags.Ack)
            ? new SegmentSpec(seg.Destination, seg.Source, seg.Ack, default, TcpFlags.Rst, 0)
            : new SegmentSpec(seg.Destination, seg.Source, default, seg.Seq + seg.SeqLength, TcpFlags.Rst | TcpFlags.Ack, 0);
        Env.Transmit(endpoint, spec, rule);
    }

    public SeqNum ChooseIss(IpPort local, IpPort remote) =>
        local == Primary && remote == Peer && _fixedIss is { } fixedIss ? fixedIss : Env.ChooseIss(local, remote);

    /// <summary>Active OPEN from the primary socket to the peer endpoint.</summary>
    public Connection Connect()
    {
        var connection = new Connection(this, Primary, Peer, Role, parent: null);
        Track(connection);
        connection.OpenActive(ChooseIss(Primary, Peer));
        return connection;
    }

    public Listener Listen()
    {
        Listener = new Listener(this, Primary, Role, Backlog, SynCookies, AutoAccept);
        Env.Record(EventKind.StateChanged, Role, Rule.PassiveOpen, from: TcpState.Closed, to: TcpState.Listen);
        return Listener;
    }

    public void CloseListener(Rule rule)
    {
        var listener = Listener!;
        Listener = null;
        listener.Close(rule);
    }

    /// <summary>A listener's new child for a SYN from <paramref name="remote"/>.</summary>
    public Connection CreateChild(Listener listener, IpPort remote)
    {
        var name = remote == Peer ? Role : $"{Role}<-{remote}";
        var child = new Connection(this, listener.Local, remote, name, listener);
        Track(child);
        return child;
    }

    private void Track(Connection connection)
    {
        _connections[new FourTuple(connection.Local, connection.Remote)] = connection;
        if (connection.Local == Primary && connection.Remote == Peer)
        {
            LastPrimary = connection;
        }
    }

    /// <summary>Called by a connection when its TCB is deleted.</summary>
    public void Forget(Connection connection)
    {
        var key = new FourTuple(connection.Local, connection.Remote);
        if (_connections.TryGetValue(key, out var current) && ReferenceEquals(current, connection))
        {
            _connections.Remove(key);
        }
    }
}
