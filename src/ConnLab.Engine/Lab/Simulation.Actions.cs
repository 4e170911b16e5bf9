using ConnLab.Engine.Net;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Lab;

internal sealed partial class Simulation
{
    /// <summary>A user call on an endpoint. Returns an error before changing anything, or performs the call.</summary>
    public LabError? Act(EndpointRole role, EndpointAction action, ReadOnlyMemory<byte> data, int maxBytes)
    {
        var stack = StackFor(role);
        var name = stack.Role;
        var connection = stack.PrimaryConnection;
        var listener = stack.Listener;
        var state = connection?.State ?? (listener is not null ? TcpState.Listen : TcpState.Closed);

        // Refusals first: nothing may change before we know the call is legal.
        switch (action)
        {
            case EndpointAction.Listen when listener is not null:
                return LabError.AlreadyExists(name, TcpState.Listen);
            case EndpointAction.Listen when connection is { PassiveOpen: false } && connection.State != TcpState.TimeWait:
                return LabError.AlreadyExists(name, connection.State);
            case EndpointAction.Connect when connection is not null:
                return LabError.AlreadyExists(name, connection.State);
            case EndpointAction.Connect when listener is not null:
                return LabError.Illegal(name, TcpState.Listen,
                    "this endpoint is listening: close the listener before connecting (Linux connect() on a listener fails with EINVAL)");
            case EndpointAction.Send when connection is null:
                return listener is not null
                    ? LabError.Illegal(name, TcpState.Listen, "error: foreign socket unspecified (RFC 9293 §3.10.2): a listener has no peer to send to")
                    : LabError.DoesNotExist(name, state);
            case EndpointAction.Read when connection is null:
                return LabError.DoesNotExist(name, state);
            case EndpointAction.Accept when listener is null:
                return LabError.Illegal(name, state, "accept needs a listening endpoint");
            case EndpointAction.Accept when listener.AcceptQueueCount == 0:
                return LabError.Illegal(name, TcpState.Listen, "the accept queue is empty: no established connection is waiting");
            case EndpointAction.Close or EndpointAction.Shutdown or EndpointAction.Abort when connection is null && listener is null:
                return LabError.DoesNotExist(name, state);
        }

        var mark = _events.Count;
        Record(EventKind.UserCall, name, UserCallRule(action), value: action == EndpointAction.Send ? data.Length : maxBytes, data: action == EndpointAction.Send ? data : default);
        if (connection is { InAcceptQueue: true } && action is not (EndpointAction.Listen or EndpointAction.Connect or EndpointAction.Accept))
        {
            listener?.AcceptSpecific(connection);
        }
        LabError? error = null;
        switch (action)
        {
            case EndpointAction.Listen:
                stack.Listen();
                break;
            case EndpointAction.Connect:
                stack.Connect();
                break;
            case EndpointAction.Send:
                error = connection!.UserSend(data, Limits.MaxSendBuffer);
                break;
            case EndpointAction.Read:
                error = connection!.UserRead(maxBytes);
                break;
            case EndpointAction.Accept:
                listener!.AcceptNext();
                break;
            case EndpointAction.Close or EndpointAction.Shutdown when connection is not null:
                error = connection.UserClose(orphan: action == EndpointAction.Close);
                break;
            case EndpointAction.Abort when connection is not null:
                error = connection.UserAbort();
                break;
            case EndpointAction.Close or EndpointAction.Shutdown or EndpointAction.Abort:
                stack.CloseListener(action == EndpointAction.Abort ? Rule.ListenerAborted : Rule.ListenerClosed);
                break;
        }
        if (error is not null)
        {
            TruncateEvents(mark); // the connection refused before acting: only our user-call record to take back
        }
        return error;
    }

    private static Rule UserCallRule(EndpointAction action) => action switch
    {
        EndpointAction.Listen => Rule.CallListen,
        EndpointAction.Connect => Rule.CallConnect,
        EndpointAction.Send => Rule.CallSend,
        EndpointAction.Close => Rule.CallClose,
        EndpointAction.Shutdown => Rule.CallShutdown,
        EndpointAction.Abort => Rule.CallAbort,
        EndpointAction.Accept => Rule.CallAccept,
        _ => Rule.CallRead,
    };

    public LabError? DropSegment(long id)
    {
        if (id < 1)
        {
            return SegmentIdInvalid(id);
        }
        if (!Link.TryGet(id, out var f))
        {
            return SegmentMissing(id);
        }
        Link.Remove(id);
        Record(EventKind.SegmentDropped, "link", Rule.DroppedByUser, f.Segment);
        return null;
    }

    public LabError? DuplicateSegment(long id)
    {
        if (id < 1)
        {
            return SegmentIdInvalid(id);
        }
        if (!Link.TryGet(id, out var f))
        {
            return SegmentMissing(id);
        }
        if (Link.Count >= Limits.MaxInFlight)
        {
            return InFlightFull();
        }
        Duplicate(f.Segment, f.DeliverAtUs, Rule.DuplicatedByUser);
        return null;
    }

    public LabError? DelaySegment(long id, long extraUs)
    {
        if (id < 1)
        {
            return SegmentIdInvalid(id);
        }
        if (!Link.TryGet(id, out var f))
        {
            return SegmentMissing(id);
        }
        var due = Link.Delay(id, extraUs);
        Record(EventKind.SegmentSent, "link", Rule.DelayedByUser, f.Segment, dueUs: due, value: extraUs);
        return null;
    }

    /// <summary>Puts a crafted segment in flight (hping3 / scapy style). Validation happened in the session.</summary>
    public void Inject(in SegmentSpec spec) => Transmit("attacker", spec, Rule.Injected);

    /// <summary>
    /// A SYN flood at the server's port: from random addresses in 198.18.0.0/15 (RFC 2544's benchmarking range, where
    /// no host answers) when spoofed, else from the client's own address and random ports.
    /// </summary>
    public void SynFlood(int count, bool spoofed)
    {
        Record(EventKind.UserCall, "attacker", spoofed ? Rule.CallSynFloodSpoofed : Rule.CallSynFlood, value: count);
        var target = Server.Primary;
        for (var i = 0; i < count; i++)
        {
            var source = spoofed
                ? new IpPort(0xC6120000u | _floodRandom.NextUInt32(1u << 17), (ushort)(1024 + _floodRandom.NextUInt32(64512)))
                : new IpPort(Client.Primary.Address, (ushort)(1024 + _floodRandom.NextUInt32(64512)));
            var isn = new SeqNum((uint)_floodRandom.NextUInt64());
            Transmit("attacker", new SegmentSpec(source, target, isn, default, TcpFlags.Syn, 64240, Mss: 1460,
                Origin: SegmentOrigin.Injected), Rule.FloodSyn);
        }
    }

    public LabError InFlightFull() => new(LabErrorCode.LimitExceeded,
        $"at most {Limits.MaxInFlight} segments may be in flight; step the session first", "count");

    // Ids start at 1: zero or a negative id is a malformed request (400 / INVALID_ARGUMENT on every transport), not a
    // segment that has left the wire (404 / NOT_FOUND).
    private static LabError SegmentIdInvalid(long id) => new(LabErrorCode.InvalidArgument,
        $"segmentId must be a positive integer, not {id}", "segmentId");

    private static LabError SegmentMissing(long id) => new(LabErrorCode.SegmentNotFound,
        $"segment {id} is not in flight (it was delivered, dropped, or never sent)", "segmentId");
}
