using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Server.Sessions;
using EngineEndpointView = ConnLab.Engine.Lab.EndpointView;

namespace ConnLab.Server.Api;

/// <summary>A segment on the wire (architecture §3).</summary>
/// <param name="Id">Session-unique id; drop or duplicate it by this id while it is in flight.</param>
/// <param name="Src">Source <c>address:port</c>.</param>
/// <param name="Dst">Destination <c>address:port</c>.</param>
/// <param name="Seq">Sequence number (mod 2^32).</param>
/// <param name="Ack">Acknowledgment number (significant with ACK).</param>
/// <param name="Flags">Control bits in header order: URG ACK PSH RST SYN FIN.</param>
/// <param name="Window">Window field.</param>
/// <param name="Len">Payload length.</param>
/// <param name="PayloadBase64">Payload, base64 (in events; snapshots list in-flight segments without it, see their events).</param>
/// <param name="Mss">MSS option, when present (SYNs).</param>
/// <param name="Origin">original, retransmission, duplicate, injected or window-probe.</param>
/// <remarks>
/// The payload is the segment's own octets, written as base64 straight into the answer: a base64 string of a
/// full-size segment would be 3.9 kB of UTF-16 per event, made only to be transcoded again.
/// </remarks>
public sealed record SegmentView(long Id, string Src, string Dst, uint Seq, uint Ack, IReadOnlyList<string> Flags, int Window, int Len,
    ReadOnlyMemory<byte>? PayloadBase64, int? Mss, string Origin)
{
    internal static SegmentView From(Segment s, bool payload = true) => new(s.Id, s.Source.ToString(), s.Destination.ToString(), s.Seq.Value,
        s.Ack.Value, TcpFlagNames.ToNames(s.Flags), s.Window, s.Length, payload ? s.Payload : (ReadOnlyMemory<byte>?)null,
        s.Mss == 0 ? null : s.Mss, Engine.Export.CommandCodec.Name(s.Origin));
}

/// <summary>One event of a trace: the same shape on REST, gRPC, SignalR and in the database (architecture §3).</summary>
/// <param name="Index">Position in the trace, 0-based, gap-free.</param>
/// <param name="Step">The step that produced it.</param>
/// <param name="TimeMs">Virtual clock, ms.</param>
/// <param name="Kind">segment-sent, segment-delivered, state-changed, timer-armed, …</param>
/// <param name="Endpoint">client, server, a socket name, attacker or link.</param>
/// <param name="Segment">The segment concerned.</param>
/// <param name="From">state-changed: the state left.</param>
/// <param name="To">state-changed: the state entered.</param>
/// <param name="Timer">Timer events: which timer.</param>
/// <param name="DueMs">When the timer fires or the segment arrives.</param>
/// <param name="Rule">The rule that decided it.</param>
/// <param name="Explanation">What happened and why, with the RFC section.</param>
/// <param name="Reference">The RFC section (or Linux source).</param>
public sealed record EventView(long Index, long Step, double TimeMs, string Kind, string Endpoint, SegmentView? Segment, string? From,
    string? To, string? Timer, double? DueMs, string Rule, string Explanation, string Reference)
{
    internal static EventView Of(LabEvent e) => Of(e, payload: true);

    /// <summary>The event; <paramref name="payload"/> false leaves segment payloads out (live pushes: a dashboard draws
    /// lengths, and octets would multiply a bulk transfer's push size by ten; REST <c>/events</c> and the pcap have them).</summary>
    internal static EventView Of(LabEvent e, bool payload) => new(e.Index, e.Step, e.TimeMs, e.Kind.ToName(), e.Endpoint,
        e.Segment is null ? null : SegmentView.From(e.Segment, payload), e.From?.ToName(), e.To?.ToName(), e.Timer?.ToName(),
        e.DueUs == 0 ? null : e.DueUs / 1000.0, Explanations.NameOf(e.Rule), e.Explanation, e.Reference);
}

/// <summary>One socket's TCB (RFC 9293 §3.3.1).</summary>
public sealed record SocketView(string Name, string Host, string Address, int Port, string? Remote, string State, uint Iss, uint Irs,
    uint SndUna, uint SndNxt, uint SndWnd, uint RcvNxt, uint RcvWnd, int SendQueue, int ReceiveQueue, int Cwnd, double RtoMs,
    double SrttMs, int Mss, int Retries)
{
    internal static SocketView From(EngineEndpointView e) => new(e.Name, e.Host, e.Address, e.Port, e.Remote, e.State.ToName(), e.Iss,
        e.Irs, e.SndUna, e.SndNxt, e.SndWnd, e.RcvNxt, e.RcvWnd, e.SendQueue, e.ReceiveQueue, e.Cwnd, e.RtoMs, e.SrttMs, e.Mss, e.Retries);
}

/// <summary>The pair's two endpoints.</summary>
public sealed record EndpointsView(SocketView Client, SocketView Server);

/// <summary>A segment in flight and when it arrives.</summary>
public sealed record InFlightView(SegmentView Segment, double DeliverAtMs);

/// <summary>A running timer.</summary>
public sealed record TimerView(string Endpoint, string Kind, double DueMs);

/// <summary>
/// The whole session at one moment (architecture §3 "Session snapshot"). <c>inFlight</c> lists the earliest 256 segments
/// on the wire; <c>inFlightCount</c> counts them all.
/// </summary>
/// <param name="Id">The session's id, as in every route.</param>
/// <param name="Name">Its display name.</param>
/// <param name="Profile"><c>rfc9293</c> (the textbook) or <c>linux</c> (the kernel's defaults).</param>
/// <param name="Seed">The seed of every random choice: the same seed and commands give the same trace.</param>
/// <param name="TimeMs">The virtual clock.</param>
/// <param name="Step">Steps taken so far (what <c>rewind</c> and <c>fork</c> count).</param>
/// <param name="EventCount">Events in the trace; the next event's index.</param>
/// <param name="Endpoints">The pair: each endpoint's state and TCB variables (ISS, SND.UNA, SND.NXT, RCV.NXT, windows, RTO).</param>
/// <param name="Sockets">Every socket on both hosts, as netstat lists them: the pair, the listener, half-open entries during a
/// SYN flood, TIME_WAIT leftovers.</param>
/// <param name="InFlight">Segments on the wire, earliest arrival first (at most 256), with when each arrives.</param>
/// <param name="InFlightCount">All segments on the wire.</param>
/// <param name="Timers">Running timers, earliest first.</param>
/// <param name="Listener">The server's listener (backlog, SYN and accept queues, SYN cookies), when it listens.</param>
/// <param name="Connections">Each connection as a network monitor sees it on the wire (Zeek's conn.log): its 4-tuple, history and outcome.</param>
/// <param name="Problem">Why the session is read-only (its stored trace did not replay identically), or absent.</param>
/// <param name="LiveSpeed">The live-mode speed while the server plays the session, or absent.</param>
public sealed record SessionView(string Id, string Name, string Profile, ulong Seed, double TimeMs, long Step, long EventCount,
    EndpointsView Endpoints, IReadOnlyList<SocketView> Sockets, IReadOnlyList<InFlightView> InFlight, int InFlightCount, IReadOnlyList<TimerView> Timers,
    ListenerView? Listener, IReadOnlyList<ConnectionSummary> Connections, string? Problem, double? LiveSpeed = null)
{
    internal static SessionView From(SessionHost host, SessionSnapshot s) => new(host.Id, host.Name, s.Profile, s.Seed, s.TimeUs / 1000.0,
        s.Step, s.EventCount, new EndpointsView(SocketView.From(s.Client), SocketView.From(s.Server)),
        s.Sockets.Select(SocketView.From).ToList(),
        s.InFlight.Select(f => new InFlightView(SegmentView.From(f.Segment, payload: false), f.DeliverAtUs / 1000.0)).ToList(), s.InFlightCount,
        s.Timers.Select(t => new TimerView(t.Endpoint, t.Kind.ToName(), t.DueUs / 1000.0)).ToList(),
        s.Listener, s.Connections, host.Problem, host.LiveSpeed);
}

/// <summary>A new session: its snapshot and the token every call that changes it needs.</summary>
public sealed record CreatedView(string Token, SessionView Session);

/// <summary>What every act or move call answers: the events it produced and the session afterwards.</summary>
/// <param name="Events">The events the call produced, in order (indexes continue the trace).</param>
/// <param name="Session">The session afterwards.</param>
/// <param name="Stop">Why it stopped: <c>completed</c> (did all it was asked), <c>idle</c> (nothing left scheduled, or idle
/// for <c>run</c>), <c>state-reached</c>, <c>step-budget</c> (<c>run</c>'s maxSteps ran out), <c>event-limit</c> (the trace is
/// full) or <c>step-limit</c> (the server's per-command step limit).</param>
public sealed record CommandView(IReadOnlyList<EventView> Events, SessionView Session, string Stop);

/// <summary>A line of the session list.</summary>
public sealed record SessionSummaryView(string Id, string Name, DateTimeOffset CreatedAt, bool InMemory);

/// <summary>A page of the trace.</summary>
public sealed record EventPageView(IReadOnlyList<EventView> Events, long From, long Next, long Total);

/// <summary>A lesson preset.</summary>
public sealed record ScenarioView(string Name, string Title, string Description);
