using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ConnLab.Contracts.V1;
using ConnLab.Engine.Lab;
using Grpc.Core;
using Grpc.Net.Client;

namespace ConnLab.Cli;

/// <summary>
/// The <c>connlab</c> command line: a gRPC client of <c>connlab.v1.LabControl</c>. Tokens of sessions created here
/// are remembered in a small state file, so later commands on them need no <c>--token</c>.
/// </summary>
public sealed partial class LabCli(TextWriter output, TextWriter error, string statePath)
{
    /// <summary>Where tokens are remembered unless <c>CONNLAB_STATE</c> says otherwise.</summary>
    public static string DefaultStatePath => Environment.GetEnvironmentVariable("CONNLAB_STATE")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".connlab", "tokens.json");

    private readonly Option<string> _server = new("--server")
    {
        Description = "gRPC address of the ConnLab server (or CONNLAB_SERVER)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONNLAB_SERVER") ?? "http://127.0.0.1:5081",
    };

    private readonly Option<string?> _token = new("--token")
    {
        Description = "the session's token (or CONNLAB_TOKEN; remembered for sessions created here)",
        Recursive = true,
    };

    private readonly Argument<string> _id = new("session") { Description = "session id" };
    private readonly Argument<string> _endpoint = new("endpoint") { Description = "client or server" };

    /// <summary>Parses and runs one command line; returns the exit code (0 ok, 1 refused by the server, 2 usage).</summary>
    public async Task<int> RunAsync(string[] args, CancellationToken ct = default)
    {
        var root = Build();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors)
            {
                await error.WriteLineAsync(e.Message).ConfigureAwait(false);
            }
            return 2;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct).ConfigureAwait(false);
    }

    private RootCommand Build()
    {
        var root = new RootCommand("ConnLab: step through simulated TCP connections segment by segment.");
        root.Options.Add(_server);
        root.Options.Add(_token);

        root.Subcommands.Add(CreateCommand());

        root.Subcommands.Add(ScenariosCommand());
        root.Subcommands.Add(ListCommand());
        root.Subcommands.Add(ShowCommand());

        foreach (var (verb, help) in new[]
                 {
                     ("listen", "passive OPEN"), ("connect", "active OPEN (send a SYN)"), ("close", "CLOSE (send a FIN)"), ("abort", "ABORT (send a RST)"),
                     ("shutdown", "shutdown(SHUT_WR): send a FIN but keep receiving (a half-close)"),
                     ("accept", "accept(): take a connection from the listener's accept queue (when auto-accept is off)"),
                 })
        {
            var act = new Command(verb, help) { _id, _endpoint };
            act.SetAction((p, ct) => Do(p, async client =>
            {
                var request = new EndpointRequest { SessionId = p.GetValue(_id)!, Endpoint = Role(p.GetValue(_endpoint)) };
                var auth = Auth(p, request.SessionId);
                var answer = verb switch
                {
                    "listen" => await client.ListenAsync(request, auth, cancellationToken: ct),
                    "connect" => await client.ConnectAsync(request, auth, cancellationToken: ct),
                    "close" => await client.CloseAsync(request, auth, cancellationToken: ct),
                    "shutdown" => await client.ShutdownAsync(request, auth, cancellationToken: ct),
                    "accept" => await client.AcceptAsync(request, auth, cancellationToken: ct),
                    _ => await client.AbortAsync(request, auth, cancellationToken: ct),
                };
                await Print(answer);
            }));
            root.Subcommands.Add(act);
        }

        var text = new Argument<string>("text") { Description = "data to send" };
        var send = new Command("send", "SEND data from an endpoint") { _id, _endpoint, text };
        send.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            await Print(await client.SendAsync(new SendRequest
            {
                SessionId = id, Endpoint = Role(p.GetValue(_endpoint)), Data = Google.Protobuf.ByteString.CopyFromUtf8(p.GetValue(text)!),
            }, Auth(p, id), cancellationToken: ct));
        }));
        root.Subcommands.Add(send);

        var maxBytes = new Option<int>("--max-bytes") { Description = "the most octets to read (0: all waiting)" };
        var read = new Command("read", "RECEIVE: the application reads (when auto-read is off), opening the window again") { _id, _endpoint, maxBytes };
        read.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            await Print(await client.ReadAsync(new ReadRequest { SessionId = id, Endpoint = Role(p.GetValue(_endpoint)), MaxBytes = p.GetValue(maxBytes) },
                Auth(p, id), cancellationToken: ct));
        }));
        root.Subcommands.Add(read);

        var count = new Option<int>("--count") { Description = "how many steps", DefaultValueFactory = _ => 1 };
        var step = new Command("step", "process the next arrival or timer") { _id, count };
        step.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            await Print(await client.StepAsync(new StepRequest { SessionId = id, Count = p.GetValue(count) }, Auth(p, id), cancellationToken: ct));
        }));
        root.Subcommands.Add(step);

        root.Subcommands.Add(RunCommand());

        var ms = new Argument<double>("ms") { Description = "milliseconds of virtual time" };
        var advance = new Command("advance", "move the virtual clock") { _id, ms };
        advance.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            await Print(await client.AdvanceAsync(new AdvanceRequest { SessionId = id, Ms = p.GetValue(ms) }, Auth(p, id), cancellationToken: ct));
        }));
        root.Subcommands.Add(advance);

        var speed = new Argument<double>("speed") { Description = "virtual ms per real ms (0 pauses)" };
        var live = new Command("live", "let the server play the session in real time at a speed; 0 pauses") { _id, speed };
        live.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            var answer = await client.SetLiveAsync(new SetLiveRequest { SessionId = id, Speed = p.GetValue(speed) }, Auth(p, id), cancellationToken: ct);
            await output.WriteLineAsync(answer.Session.LiveSpeed > 0 ? $"playing live at {answer.Session.LiveSpeed:0.###}×" : "paused").ConfigureAwait(false);
        }));
        root.Subcommands.Add(live);

        var segment = new Argument<long>("segment") { Description = "id of a segment in flight (see show)" };
        foreach (var verb in new[] { "drop", "duplicate" })
        {
            var intervene = new Command(verb, $"{verb} one segment in flight") { _id, segment };
            intervene.SetAction((p, ct) => Do(p, async client =>
            {
                var request = new SegmentRequest { SessionId = p.GetValue(_id)!, SegmentId = p.GetValue(segment) };
                var auth = Auth(p, request.SessionId);
                await Print(verb == "drop"
                    ? await client.DropSegmentAsync(request, auth, cancellationToken: ct)
                    : await client.DuplicateSegmentAsync(request, auth, cancellationToken: ct));
            }));
            root.Subcommands.Add(intervene);
        }

        root.Subcommands.Add(FloodCommand());
        root.Subcommands.Add(InjectCommand());
        root.Subcommands.Add(EventsCommand());
        root.Subcommands.Add(RewindCommand());
        root.Subcommands.Add(ForkCommand());

        root.Subcommands.Add(WatchCommand());

        foreach (var export in ExportCommands())
        {
            root.Subcommands.Add(export);
        }

        var delete = new Command("delete", "delete a session") { _id };
        delete.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            await client.DeleteSessionAsync(new SessionRequest { SessionId = id }, Auth(p, id), cancellationToken: ct);
            await output.WriteLineAsync($"deleted {id}");
        }));
        root.Subcommands.Add(delete);
        return root;
    }

    private async Task<int> Do(ParseResult p, Func<LabControl.LabControlClient, Task> action)
    {
        using var channel = GrpcChannel.ForAddress(p.GetValue(_server)!);
        try
        {
            await action(new LabControl.LabControlClient(channel)).ConfigureAwait(false);
            return 0;
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync($"connlab: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (RpcException ex)
        {
            // One line a student can act on, never a stack trace.
            await error.WriteLineAsync($"connlab: {Describe(ex.StatusCode)}: {ex.Status.Detail}").ConfigureAwait(false);
            return 1;
        }
    }

    private async Task Print(CommandResponse answer)
    {
        foreach (var line in Ladder.Lines(answer.Events, Ladder.Server(answer.Session)))
        {
            await output.WriteLineAsync(line).ConfigureAwait(false);
        }
        // Say when a command was cut short: otherwise a run that ran out of steps looks like one that finished.
        var cut = answer.Stop switch
        {
            "step-budget" => " · stopped: the step budget ran out (--max-steps)",
            "event-limit" => " · stopped: the trace is full",
            "step-limit" => " · stopped: the server's per-command step limit",
            _ => "",
        };
        await output.WriteLineAsync($"{"",10}  client {Name(answer.Session.Client.State)} · server {Name(answer.Session.Server.State)} · t={answer.Session.TimeMs:0.###} ms{cut}").ConfigureAwait(false);
    }

    /// <summary>A new session (created or forked): its token is remembered, then printed with the session.</summary>
    private async Task Created(CreateSessionResponse created)
    {
        Remember(created.Session.Id, created.Token);
        await output.WriteLineAsync($"session {created.Session.Id} ({created.Session.Name}, {created.Session.Profile})").ConfigureAwait(false);
        await output.WriteLineAsync($"token   {created.Token}").ConfigureAwait(false);
        await Show(created.Session).ConfigureAwait(false);
    }

    private static string Name(TcpState state) => Ladder.Name(state);

    private static Endpoint Role(string? name) => name switch
    {
        "client" => Endpoint.Client,
        "server" => Endpoint.Server,
        _ => throw new UsageException($"endpoint must be client or server, not '{name}'"),
    };

    /// <summary>A command line the CLI itself refuses (before any call): exit code 2, like a parse error.</summary>
    private sealed class UsageException(string message) : Exception(message);

    private Metadata Auth(ParseResult p, string? sessionId)
    {
        var token = p.GetValue(_token) ?? Environment.GetEnvironmentVariable("CONNLAB_TOKEN")
            ?? (sessionId is null ? null : Load().GetValueOrDefault(sessionId));
        return token is null ? [] : new Metadata { { "authorization", $"Bearer {token}" } };
    }

    private Dictionary<string, string> Load() =>
        File.Exists(statePath) ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(statePath)) ?? [] : [];

    private void Remember(string id, string token)
    {
        var tokens = Load();
        tokens[id] = token;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(statePath))!);
        File.WriteAllText(statePath, JsonSerializer.Serialize(tokens));
    }

    private static string Describe(StatusCode code) => code switch
    {
        StatusCode.NotFound => "not found",
        StatusCode.FailedPrecondition => "not allowed in this state",
        StatusCode.InvalidArgument => "invalid input",
        StatusCode.Unauthenticated => "a token is needed (--token or CONNLAB_TOKEN)",
        StatusCode.PermissionDenied => "that token does not control this session",
        StatusCode.ResourceExhausted => "limit reached",
        StatusCode.Unavailable => "the server is unreachable",
        _ => code.ToString(),
    };
}
