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
public sealed record SendRequest(string? Data = null, string? DataBase64 = null);

/// <summary>Take <c>count</c> steps (default 1).</summary>
public sealed record StepRequest(int Count = 1);

/// <summary>Run until a condition: <c>idle</c> (default), <c>state</c> (with endpoint and state) or <c>steps</c>; always bounded by maxSteps.</summary>
public sealed record RunRequest(string Until = "idle", string? Endpoint = null, string? State = null, int MaxSteps = 1000);

/// <summary>Move the clock by <c>ms</c>, firing due timers and deliveries.</summary>
public sealed record AdvanceRequest(double Ms);

/// <summary>Spoofed SYNs at the server's port.</summary>
public sealed record SynFloodRequest(int Count = SynFloodCommand.DefaultCount, bool Spoofed = true);

/// <summary>Rewind to just after step <c>toStep</c>.</summary>
public sealed record RewindRequest(long ToStep);

/// <summary>Fork a new session as this one was after step <c>atStep</c>.</summary>
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
public sealed record LiveRequest(double Speed = 1);
