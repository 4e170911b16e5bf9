using ConnLab.Engine.Lab;

namespace ConnLab.Server.Api;

/// <summary>Create a session. Every field is optional (architecture §3 "Create request").</summary>
/// <param name="Name">Display name.</param>
/// <param name="Profile"><c>rfc9293</c> (the textbook, default) or <c>linux</c>.</param>
/// <param name="Seed">Seed of every random choice; the same seed and commands give the same trace.</param>
/// <param name="Scenario">A lesson preset: handshake, teardown, simultaneous-open, simultaneous-close, half-close, lost-syn, lost-final-ack, time-wait, rst-closed-port, syn-flood, syn-flood-cookies.</param>
/// <param name="Client">The client endpoint (default 10.0.0.1:40000).</param>
/// <param name="Server">The server endpoint (default 10.0.0.2:80).</param>
/// <param name="Link">Link delay and impairments.</param>
/// <param name="Overrides">Per-session changes to the profile.</param>
public sealed record CreateSessionRequest(string? Name = null, string? Profile = null, ulong? Seed = null, string? Scenario = null,
    EndpointRequest? Client = null, EndpointRequest? Server = null, LinkRequest? Link = null, ProfileOverrides? Overrides = null)
{
    internal SessionConfig ToConfig()
    {
        var config = new SessionConfig();
        return config with
        {
            Profile = Profile ?? config.Profile,
            Seed = Seed ?? config.Seed,
            Client = Client?.Apply(EndpointConfig.DefaultClient) ?? config.Client,
            Server = Server?.Apply(EndpointConfig.DefaultServer) ?? config.Server,
            Link = Link?.Apply(config.Link) ?? config.Link,
            Overrides = Overrides,
        };
    }
}

/// <summary>An endpoint's address, port and options; unset fields keep their defaults.</summary>
/// <param name="Address">IPv4 address.</param>
/// <param name="Port">TCP port, 1–65535.</param>
/// <param name="Isn">Initial sequence number (0–4294967295); unset derives it from the seed (RFC 6528).</param>
/// <param name="Backlog">Listen backlog.</param>
/// <param name="SynCookies">SYN cookies when the SYN queue overflows.</param>
/// <param name="AutoAccept">The application accepts connections at once (false fills the accept queue).</param>
/// <param name="AutoRead">The application reads data at once (false lets the window close).</param>
/// <param name="ReceiveBuffer">Receive buffer, octets (1–65535).</param>
public sealed record EndpointRequest(string? Address = null, int? Port = null, long? Isn = null, int? Backlog = null, bool? SynCookies = null,
    bool? AutoAccept = null, bool? AutoRead = null, int? ReceiveBuffer = null)
{
    internal EndpointConfig Apply(EndpointConfig d) => d with
    {
        Address = Address ?? d.Address,
        Port = Port ?? d.Port,
        Isn = Isn ?? d.Isn,
        Backlog = Backlog ?? d.Backlog,
        SynCookies = SynCookies ?? d.SynCookies,
        AutoAccept = AutoAccept ?? d.AutoAccept,
        AutoRead = AutoRead ?? d.AutoRead,
        ReceiveBuffer = ReceiveBuffer ?? d.ReceiveBuffer,
    };
}

/// <summary>The link: one-way delay and seeded impairments.</summary>
/// <param name="DelayMs">One-way delay in milliseconds, 0–60000 (10 by default).</param>
/// <param name="JitterMs">Extra delay drawn from [0, jitter) for each segment, in milliseconds (0–60000).</param>
/// <param name="LossRate">Probability that a segment is lost, 0–1 (drawn from the seed: the same seed loses the same ones).</param>
/// <param name="DuplicateRate">Probability that a segment arrives twice, 0–1.</param>
/// <param name="ReorderRate">Probability that a segment is held back so later ones overtake it, 0–1.</param>
public sealed record LinkRequest(double? DelayMs = null, double? JitterMs = null, double? LossRate = null, double? DuplicateRate = null,
    double? ReorderRate = null)
{
    internal LinkConfig Apply(LinkConfig d) => d with
    {
        DelayMs = DelayMs ?? d.DelayMs,
        JitterMs = JitterMs ?? d.JitterMs,
        LossRate = LossRate ?? d.LossRate,
        DuplicateRate = DuplicateRate ?? d.DuplicateRate,
        ReorderRate = ReorderRate ?? d.ReorderRate,
    };
}

/// <summary>Data to send: <c>data</c> as text, or <c>dataBase64</c> for bytes.</summary>
/// <param name="Data">The data as text (sent as its UTF-8 octets). Only for <c>send</c>; other actions take no body.</param>
/// <param name="DataBase64">The data as base64, for octets that are not text. Give one of the two.</param>
public sealed record SendRequest(string? Data = null, string? DataBase64 = null);

/// <summary>Take <c>count</c> steps (default 1).</summary>
/// <param name="Count">How many scheduled things to process, each the earliest arrival or timer (1 by default; the server's
/// per-command step limit caps it).</param>
public sealed record StepRequest(int Count = 1);

/// <summary>Run until a condition: <c>idle</c> (default), <c>state</c> (with endpoint and state) or <c>steps</c>; always bounded by maxSteps.</summary>
/// <param name="Until"><c>idle</c>: nothing in flight and no retransmission, delayed-ACK or persist timer left (a TIME_WAIT or
/// FIN_WAIT_2 timer does not count: advance the clock for those); <c>state</c>: until <c>endpoint</c> reaches <c>state</c>;
/// <c>steps</c>: exactly <c>maxSteps</c> steps, or until nothing is scheduled.</param>
/// <param name="Endpoint">With <c>until: state</c>: <c>client</c> or <c>server</c>.</param>
/// <param name="State">With <c>until: state</c>: the state to stop at, e.g. <c>ESTABLISHED</c> or <c>TIME_WAIT</c> (Linux's
/// <c>SYN_RECV</c> and RFC 9293's <c>SYN-RECEIVED</c> spellings are accepted too).</param>
/// <param name="MaxSteps">The step budget (1000 by default): the answer's <c>stop</c> says <c>step-budget</c> when it ran out.</param>
public sealed record RunRequest(string Until = "idle", string? Endpoint = null, string? State = null, int MaxSteps = 1000);

/// <summary>Move the clock by <c>ms</c>, firing due timers and deliveries.</summary>
/// <param name="Ms">Virtual milliseconds, 0 to 86,400,000 (one day): enough to see TIME_WAIT's 2·MSL end.</param>
public sealed record AdvanceRequest(double Ms);

/// <summary>Spoofed SYNs at the server's port.</summary>
/// <param name="Count">How many SYNs (100 by default; the server's flood limit caps it).</param>
/// <param name="Spoofed">From random unused addresses, which never answer the SYN,ACKs (true, the default), or from the
/// client's address on random ports.</param>
public sealed record SynFloodRequest(int Count = SynFloodCommand.DefaultCount, bool Spoofed = true);

/// <summary>Rewind to just after step <c>toStep</c>.</summary>
/// <param name="ToStep">The step to go back to, 0 to the session's current step (0: before the first step, after the
/// commands that came before it). Later events and commands are removed, from the stored trace too.</param>
public sealed record RewindRequest(long ToStep);

/// <summary>Fork a new session as this one was after step <c>atStep</c>.</summary>
/// <param name="AtStep">The step to branch at, 0 to the session's current step. The fork has its own id and token; this
/// session is left as it is.</param>
public sealed record ForkRequest(long AtStep);

/// <summary>A hand-made segment, as hping3 or scapy would send (architecture §3 "Crafted segments").</summary>
/// <param name="From">client or server: whose address and port it carries by default.</param>
/// <param name="Src">Explicit source <c>address:port</c> (a spoofed host).</param>
/// <param name="Dst">Explicit destination <c>address:port</c>.</param>
/// <param name="Flags">Control bits, e.g. <c>["RST"]</c>.</param>
/// <param name="Seq">Sequence number.</param>
/// <param name="Ack">Acknowledgment number.</param>
/// <param name="Window">Window field.</param>
/// <param name="Data">Payload as text.</param>
public sealed record CraftedSegmentRequest(string From = "client", string? Src = null, string? Dst = null, IReadOnlyList<string>? Flags = null,
    long Seq = 0, long Ack = 0, int Window = 0, string? Data = null);

/// <summary>Live mode: the server plays the session in real time at <c>speed</c> virtual ms per real ms; 0 pauses.</summary>
/// <param name="Speed">Virtual milliseconds per real millisecond, up to 1000 (1 by default: real time; 0.1 is ten times
/// slower, for a projector); 0 pauses.</param>
public sealed record LiveRequest(double Speed = 1);
