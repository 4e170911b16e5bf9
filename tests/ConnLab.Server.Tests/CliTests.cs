using ConnLab.Cli;
using ConnLab.Contracts.Mapping;
using ConnLab.Engine.Lab;

namespace ConnLab.Server.Tests;

/// <summary>The connlab CLI against a real server (gRPC over Kestrel on an ephemeral loopback port).</summary>
public sealed class CliTests : IDisposable
{
    private readonly LabFactory _factory;
    private readonly string _grpc;
    private readonly string _state = Path.Combine(Path.GetTempPath(), $"connlab-cli-{Guid.NewGuid():N}.json");

    public CliTests()
    {
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            _grpc = $"http://127.0.0.1:{((System.Net.IPEndPoint)probe.LocalEndpoint).Port}";
        }
        _factory = new LabFactory(settings: new()
        {
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Url"] = _grpc,
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
        });
        _factory.UseKestrel();
        _factory.StartServer();
    }

    public void Dispose()
    {
        _factory.Dispose();
        File.Delete(_state);
    }

    private async Task<(int Code, string Out, string Err)> Cli(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new LabCli(output, error, _state).RunAsync([.. args, "--server", _grpc]);
        return (code, output.ToString(), error.ToString());
    }

    private async Task<string> CreateHandshake()
    {
        var (code, text, _) = await Cli("create", "--scenario", "handshake");
        Assert.Equal(0, code);
        return text.Split('\n')[0].Split(' ')[1];
    }

    [Fact]
    public void Ladder_draws_the_handshake_as_arrows_with_states_under_each_column()
    {
        var session = LabSession.Create(new SessionConfig
        {
            Client = EndpointConfig.DefaultClient with { Isn = 1000 },
            Server = EndpointConfig.DefaultServer with { Isn = 5000 },
        });
        session.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        session.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
        session.Execute(new RunCommand());
        var lines = Ladder.Lines(session.Events.Select(e => e.ToProto("s"))).ToList();
        Assert.Equal(
            [
                "         0                                         [CLOSED → LISTEN]",
                "         0  [CLOSED → SYN_SENT]",
                "         0  ------------- SYN seq=1000 win=65535 len=0 ------------>",
                "        10                                   [LISTEN → SYN_RECEIVED]",
                "        10  <----- ACK,SYN seq=5000 ack=1001 win=65535 len=0 -------",
                "        20  [SYN_SENT → ESTABLISHED]",
                "        20  -------- ACK seq=1001 ack=5001 win=65535 len=0 -------->",
                "        30                              [SYN_RECEIVED → ESTABLISHED]",
            ],
            lines);
    }

    [Fact]
    public async Task Create_remembers_the_token_so_run_and_show_need_none()
    {
        var id = await CreateHandshake();
        var (code, run, _) = await Cli("run", id);
        Assert.Equal(0, code);
        Assert.Contains("<", run, StringComparison.Ordinal);
        Assert.Contains("client ESTABLISHED · server ESTABLISHED", run, StringComparison.Ordinal);
        var (_, show, _) = await Cli("show", id);
        Assert.Contains("ESTABLISHED", show, StringComparison.Ordinal);
        Assert.Contains("SND.NXT=", show, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Live_plays_the_session_at_a_speed_and_zero_pauses_it()
    {
        var id = await CreateHandshake();
        var (code, text, _) = await Cli("live", id, "200");
        Assert.Equal((0, "playing live at 200×\n"), (code, text.Replace("\r", "", StringComparison.Ordinal)));
        (code, text, _) = await Cli("live", id, "0");
        Assert.Equal((0, "paused\n"), (code, text.Replace("\r", "", StringComparison.Ordinal)));
        var (bad, _, error) = await Cli("live", id, "5000");
        Assert.Equal(1, bad);
        Assert.Contains("speed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_are_one_line_on_stderr_with_a_non_zero_exit()
    {
        var id = await CreateHandshake();
        await Cli("run", id);
        var (code, _, error) = await Cli("connect", id, "client");
        Assert.Equal(1, code);
        Assert.StartsWith("connlab: not allowed in this state: error: connection already exists", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
        var (missing, _, notFound) = await Cli("show", "nosuchsession");
        Assert.Equal(1, missing);
        Assert.StartsWith("connlab: not found:", notFound, StringComparison.Ordinal);
        var (forged, _, denied) = await Cli("step", id, "--token", "forged");
        Assert.Equal((1, true), (forged, denied.Contains("does not control", StringComparison.Ordinal)));
        var (usage, _, _) = await Cli("step");
        Assert.Equal(2, usage);
    }

    [Fact]
    public async Task Watch_draws_the_live_ladder_until_cancelled()
    {
        var id = await CreateHandshake();
        using var output = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var watching = new LabCli(output, TextWriter.Null, _state).RunAsync(["watch", id, "--server", _grpc], cancel.Token);
        await Cli("run", id);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!output.ToString().Contains("[SYN_RECEIVED → ESTABLISHED]", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        await cancel.CancelAsync();
        Assert.Equal(0, await watching);
        var text = output.ToString();
        Assert.StartsWith(Ladder.Header, text, StringComparison.Ordinal);
        Assert.Contains("SYN seq=", text, StringComparison.Ordinal);
        Assert.Contains("[SYN_RECEIVED → ESTABLISHED]", text, StringComparison.Ordinal);
    }
}
