using ConnLab.Contracts.V1;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using Google.Protobuf;
using EngineSegment = ConnLab.Engine.Tcp.Segment;
using EngineState = ConnLab.Engine.Tcp.TcpState;
using TcpState = ConnLab.Contracts.V1.TcpState;

namespace ConnLab.Contracts.Mapping;

/// <summary>
/// The one translation between the engine's model and the gRPC messages (the REST and SignalR JSON use the engine's
/// records directly), so an event reads the same on every transport.
/// </summary>
public static class ContractMapping
{
    private static readonly (TcpFlags Bit, TcpFlag Value)[] HeaderOrder =
    [
        (TcpFlags.Urg, TcpFlag.Urg), (TcpFlags.Ack, TcpFlag.Ack), (TcpFlags.Psh, TcpFlag.Psh),
        (TcpFlags.Rst, TcpFlag.Rst), (TcpFlags.Syn, TcpFlag.Syn), (TcpFlags.Fin, TcpFlag.Fin),
    ];

    /// <summary>The proto enum value of an engine state.</summary>
    public static TcpState ToProto(this EngineState state) => (TcpState)((int)state + 1);

    /// <summary>The engine state of a proto enum value, or null for UNSPECIFIED and unknown values.</summary>
    public static EngineState? ToEngine(this TcpState state) =>
        state is > TcpState.Unspecified and <= TcpState.TimeWait ? (EngineState)((int)state - 1) : null;

    /// <summary>The engine role of a proto endpoint, or null for UNSPECIFIED and unknown values.</summary>
    public static EndpointRole? ToEngine(this Endpoint endpoint) => endpoint switch
    {
        Endpoint.Client => EndpointRole.Client,
        Endpoint.Server => EndpointRole.Server,
        _ => null,
    };

    /// <summary>Control bits from proto flags; null if any value is UNSPECIFIED or unknown.</summary>
    public static TcpFlags? ToEngine(IEnumerable<TcpFlag> flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var bits = TcpFlags.None;
        foreach (var flag in flags)
        {
            var index = Array.FindIndex(HeaderOrder, f => f.Value == flag);
            if (index < 0)
            {
                return null;
            }
            bits |= HeaderOrder[index].Bit;
        }
        return bits;
    }

    /// <summary>An engine event as the proto message, tagged with its session.</summary>
    public static SessionEvent ToProto(this LabEvent e, string sessionId) => e.ToProto(sessionId, payload: true);

    /// <summary>An engine event as the proto message; <paramref name="payload"/> false leaves segment payload octets out.</summary>
    public static SessionEvent ToProto(this LabEvent e, string sessionId, bool payload)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = new SessionEvent
        {
            SessionId = sessionId,
            Index = e.Index,
            Step = e.Step,
            TimeMs = e.TimeMs,
            Kind = e.Kind.ToName(),
            Endpoint = e.Endpoint,
            Explanation = e.Explanation,
            Reference = e.Reference,
            Rule = Explanations.NameOf(e.Rule),
            DueMs = e.DueUs / 1000.0,
        };
        if (e.Segment is { } s)
        {
            message.Segment = s.ToProto(payload);
        }
        if (e.From is { } from)
        {
            message.From = from.ToProto();
        }
        if (e.To is { } to)
        {
            message.To = to.ToProto();
        }
        if (e.Timer is { } timer)
        {
            message.Timer = timer.ToName();
        }
        return message;
    }

    /// <summary>A segment as the proto message (flags in header order).</summary>
    public static V1.Segment ToProto(this EngineSegment s) => s.ToProto(payload: true);

    /// <summary>A segment as the proto message; <paramref name="payload"/> false leaves the octets out (len still tells).</summary>
    public static V1.Segment ToProto(this EngineSegment s, bool payload)
    {
        ArgumentNullException.ThrowIfNull(s);
        var message = new V1.Segment
        {
            Id = s.Id,
            Src = s.Source.ToString(),
            Dst = s.Destination.ToString(),
            Seq = s.Seq.Value,
            Ack = s.Ack.Value,
            Window = s.Window,
            UrgentPointer = s.UrgentPointer,
            Mss = s.Mss,
            Len = (uint)s.Length,
            // The engine never changes a segment's octets (each write is an immutable buffer the command log owns), so
            // the message wraps them instead of copying a full-size segment per event.
            Payload = payload ? UnsafeByteOperations.UnsafeWrap(s.Payload) : ByteString.Empty,
            Origin = CommandCodec.Name(s.Origin),
        };
        foreach (var (bit, value) in HeaderOrder)
        {
            if ((s.Flags & bit) != 0)
            {
                message.Flags.Add(value); // not ToProto(flags): no enumerator per segment on the hot path
            }
        }
        return message;
    }

    /// <summary>Control bits as proto flags, in header order.</summary>
    public static IEnumerable<TcpFlag> ToProto(TcpFlags flags)
    {
        foreach (var (bit, value) in HeaderOrder)
        {
            if ((flags & bit) != 0)
            {
                yield return value;
            }
        }
    }

    /// <summary>A snapshot as the proto message.</summary>
    public static Session ToProto(this SessionSnapshot snapshot, string id, string name)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var message = new Session
        {
            Id = id,
            Name = name,
            Profile = snapshot.Profile,
            Seed = snapshot.Seed,
            TimeMs = snapshot.TimeUs / 1000.0,
            Step = snapshot.Step,
            EventCount = snapshot.EventCount,
            InFlightCount = snapshot.InFlightCount,
            Client = snapshot.Client.ToProto(),
            Server = snapshot.Server.ToProto(),
        };
        message.Sockets.Add(snapshot.Sockets.Select(ToProto));
        message.InFlight.Add(snapshot.InFlight.Select(f => new InFlight { Segment = f.Segment.ToProto(payload: false), DeliverAtMs = f.DeliverAtUs / 1000.0 }));
        message.Timers.Add(snapshot.Timers.Select(t => new V1.TimerView { Endpoint = t.Endpoint, Kind = t.Kind.ToName(), DueMs = t.DueUs / 1000.0 }));
        if (snapshot.Listener is { } l)
        {
            message.Listener = new V1.ListenerView
            {
                Endpoint = l.Endpoint, Port = (uint)l.Port, Backlog = l.Backlog, SynQueue = l.SynQueue,
                SynQueueLimit = l.SynQueueLimit, AcceptQueue = l.AcceptQueue, AcceptQueueLimit = l.AcceptQueueLimit,
                SynCookies = l.SynCookies, CookiesSent = l.CookiesSent, SynQueueDrops = l.SynQueueDrops,
                AcceptQueueDrops = l.AcceptQueueDrops,
            };
        }
        message.Connections.Add(snapshot.Connections.Select(c => new V1.ConnectionSummary
        {
            Originator = c.Originator, Responder = c.Responder, ConnState = c.ConnState, Meaning = c.Meaning, History = c.History,
        }));
        return message;
    }

    private static V1.EndpointView ToProto(this Engine.Lab.EndpointView e) => new()
    {
        Name = e.Name, Host = e.Host, Address = e.Address, Port = (uint)e.Port, Remote = e.Remote ?? "",
        State = e.State.ToProto(), Iss = e.Iss, Irs = e.Irs, SndUna = e.SndUna, SndNxt = e.SndNxt, SndWnd = e.SndWnd,
        RcvNxt = e.RcvNxt, RcvWnd = e.RcvWnd, SendQueue = e.SendQueue, ReceiveQueue = e.ReceiveQueue, Cwnd = e.Cwnd,
        RtoMs = e.RtoMs, SrttMs = e.SrttMs, Mss = e.Mss, Retries = e.Retries,
    };
}
