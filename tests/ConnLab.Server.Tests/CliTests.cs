using ConnLab.Cli;
using ConnLab.Contracts.Mapping;
using System.Text.RegularExpressions;
using ConnLab.Engine.Lab;
using Microsoft.Extensions.DependencyInjection;

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
            ["ConnLab:WatchBuffer"] = "3", // a terminal that stops reading is cut off after three changes
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
                "         0                                                   [CLOSED → LISTEN]",
                "         0  [CLOSED → SYN_SENT]",
                "         0  ------------- SYN seq=1000 win=65535 len=0 mss=1460 ------------->",
                "        10                                             [LISTEN → SYN_RECEIVED]",
                "        10  <------ SYN,ACK seq=5000 ack=1001 win=65535 len=0 mss=1460 -------",
                "        20  [SYN_SENT → ESTABLISHED]",
                "        20  ------------- ACK seq=1001 ack=5001 win=65535 len=0 ------------->",
                "        30                                        [SYN_RECEIVED → ESTABLISHED]",
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
        using var output = new Screen();
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

    [Fact]
    public void Ladder_draws_a_segment_towards_its_destination_whoever_sent_it()
    {
        var session = LabSession.Create(new SessionConfig());
        session.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        session.Execute(new SynFloodCommand(1));
        session.Execute(new StepCommand(1));
        var server = $"{session.Config.Server.Address}:{session.Config.Server.Port}";
        var segments = session.Events.Where(e => e.Kind == EventKind.SegmentSent).Select(e => e.ToProto("s")).ToList();
        Assert.Equal(["attacker", "server<-"], segments.Select(e => e.Endpoint[..Math.Min(8, e.Endpoint.Length)]));
        var (syn, synAck) = (Ladder.Line(segments[0], server)!, Ladder.Line(segments[1], server)!);
        Assert.Matches(@"^ +0  -+ SYN seq=\d+ win=64240 len=0 mss=1460 \(injected\) -+>$", syn); // the spoofed SYN goes to the server
        Assert.Matches(@"^ +10  <-+ SYN,ACK seq=\d+ ack=\d+ win=65535 len=0 mss=1460 -+$", synAck); // its answer leaves it
        Assert.Equal((syn, synAck), (Ladder.Line(segments[0])!, Ladder.Line(segments[1])!)); // the same without the address
    }

    [Fact]
    public async Task Events_prints_every_event_with_its_explanation_and_pages_through_a_long_trace()
    {
        var id = await CreateHandshake();
        await Cli("run", id);
        var (code, text, _) = await Cli("events", id);
        Assert.Equal(0, code);
        var lines = text.Replace("\r", "", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        var syn = Array.FindIndex(lines, l => l.StartsWith("#4 ", StringComparison.Ordinal));
        Assert.Matches(@"^#4 +0 ms  client   segment-sent +#1 10\.0\.0\.1:40000 > 10\.0\.0\.2:80 SYN seq=\d+ win=65535 len=0 mss=1460$", lines[syn]);
        Assert.StartsWith("        client sends SYN seq=", lines[syn + 1], StringComparison.Ordinal);
        Assert.EndsWith("(RFC 9293 §3.10.1)", lines[syn + 1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("state-changed          LISTEN → SYN_RECEIVED", StringComparison.Ordinal));

        var (_, page, _) = await Cli("events", id, "--from", "5", "--limit", "3", "--brief");
        Assert.Equal(["#5", "#6", "#7"], page.Trim().Split('\n').Select(l => l.Split(' ')[0]));

        // A flood's trace is longer than one page of ListEvents (1,000): every event is printed once, in order.
        await Cli("flood", id, "--count", "600");
        await Cli("run", id, "--until", "steps", "--max-steps", "700");
        var total = _factory.Services.GetRequiredService<Sessions.LabService>().Find(id)!.Session.Events.Count;
        Assert.True(total > 1000, $"{total} events");
        var (_, all, _) = await Cli("events", id, "--brief");
        Assert.Equal(Enumerable.Range(0, total).Select(i => $"#{i}"), all.Trim().Split('\n').Select(l => l.Split(' ')[0]));
    }

    [Fact]
    public async Task Flood_and_inject_put_their_segments_in_flight_and_bad_flags_are_a_usage_error()
    {
        var (_, created, _) = await Cli("create", "--scenario", "handshake");
        var id = created.Split('\n')[0].Split(' ')[1];
        var (code, flood, _) = await Cli("flood", id, "--count", "3");
        Assert.Equal(0, code);
        Assert.Equal(3, flood.Split('\n').Count(l => Regex.IsMatch(l, @"^ +0  -+ SYN seq=\d+ win=64240 len=0 mss=1460 \(injected\) -+>")));
        var (_, show, _) = await Cli("show", id);
        Assert.Equal(4, LinesStarting(show, "in flight #"));
        await Cli("step", id, "--count", "4"); // the SYNs arrive: three half-open entries, and the client's
        var (_, queued, _) = await Cli("show", id);
        Assert.Contains("listener :80 backlog 128: SYN queue 4/128, accept queue 0/128, SYN cookies off, dropped 0 SYNs and 0 ACKs",
            queued, StringComparison.Ordinal);

        var (rst, injected, _) = await Cli("inject", id, "--from", "server", "--flags", "rst,ack", "--seq", "7", "--ack", "9");
        Assert.Equal(0, rst);
        Assert.Matches(@"^ +10  <-+ RST,ACK seq=7 ack=9 win=0 len=0 \(injected\) -+\n", injected.Replace("\r", "", StringComparison.Ordinal));
        var (_, before, _) = await Cli("show", id);
        var (bad, _, error) = await Cli("inject", id, "--from", "client", "--flags", "SYN,BOGUS");
        Assert.Equal((2, "connlab: --flags: 'BOGUS' is not a flag (URG, ACK, PSH, RST, SYN, FIN, or none)"), (bad, error.Trim()));
        Assert.Equal(before, (await Cli("show", id)).Out); // the refused one sent nothing

        await Cli("flood", id, "--count", "40");
        var (_, flooded, _) = await Cli("show", id);
        Assert.Equal(20, LinesStarting(flooded, "in flight #")); // the earliest twenty
        Assert.Matches(@"\n… and \d+ more in flight \(\d+ in all\)\n", flooded.Replace("\r", "", StringComparison.Ordinal));
        await Cli("step", id, "--count", "40");
        var (_, timers, _) = await Cli("show", id);
        Assert.Equal(20, LinesStarting(timers, "timer "));
        Assert.Matches(@"\n… and \d+ more timers \(one per half-open entry in a flood\)\n", timers.Replace("\r", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_until_a_state_stops_when_the_endpoint_reaches_it()
    {
        var id = await CreateHandshake();
        var (code, text, _) = await Cli("run", id, "--state", "syn_recv", "--endpoint", "server");
        Assert.Equal(0, code);
        Assert.EndsWith("client SYN_SENT · server SYN_RECEIVED · t=10 ms", text.TrimEnd(), StringComparison.Ordinal);
        var (missing, _, needs) = await Cli("run", id, "--until", "state");
        Assert.Equal(2, missing);
        Assert.StartsWith("connlab: --until state needs --state: one of CLOSED LISTEN", needs, StringComparison.Ordinal);
        var (bad, _, error) = await Cli("run", id, "--state", "OPEN");
        Assert.Equal(2, bad);
        Assert.Contains("not 'OPEN'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rewind_goes_back_and_fork_branches_a_session_whose_token_is_remembered()
    {
        var id = await CreateHandshake();
        await Cli("run", id);
        var (code, rewound, _) = await Cli("rewind", id, "1");
        Assert.Equal(0, code);
        Assert.StartsWith($"rewound {id} to step 1\nt=10 ms  step 1", rewound.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("SYN_RECEIVED", rewound, StringComparison.Ordinal);

        var (forkCode, forked, _) = await Cli("fork", id);
        Assert.Equal(0, forkCode);
        var fork = forked.Split('\n')[0].Split(' ')[1];
        Assert.NotEqual(id, fork);
        Assert.Contains("step 1", forked, StringComparison.Ordinal); // at the current step by default
        var (stepped, text, _) = await Cli("run", fork); // no --token: remembered at fork
        Assert.Equal(0, stepped);
        Assert.EndsWith("client ESTABLISHED · server ESTABLISHED · t=30 ms", text.TrimEnd(), StringComparison.Ordinal);
        var (_, original, _) = await Cli("show", id);
        Assert.Contains("step 1 ", original, StringComparison.Ordinal); // the source did not move

        var (late, _, error) = await Cli("rewind", id, "99");
        Assert.Equal(1, late);
        Assert.StartsWith("connlab: invalid input:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_carries_on_from_the_new_trace_after_a_rewind()
    {
        var id = await CreateHandshake();
        using var output = new Screen();
        using var cancel = new CancellationTokenSource();
        var watching = new LabCli(output, TextWriter.Null, _state).RunAsync(["watch", id, "--server", _grpc], cancel.Token);
        await Cli("run", id);
        await Until(() => Count(output, "[SYN_RECEIVED → ESTABLISHED]") == 1);
        await Cli("rewind", id, "1");
        await Cli("run", id);
        await Until(() => Count(output, "[SYN_RECEIVED → ESTABLISHED]") == 2);
        await cancel.CancelAsync();
        Assert.Equal(0, await watching);
        var text = output.ToString();
        var notice = text.IndexOf("── the session was rewound: the trace goes on from event #", StringComparison.Ordinal);
        Assert.InRange(notice, text.IndexOf("[SYN_RECEIVED → ESTABLISHED]", StringComparison.Ordinal), text.LastIndexOf("[SYN_SENT → ESTABLISHED]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_in_a_terminal_that_fell_behind_carries_on_from_where_the_server_cut_it_off_without_a_gap()
    {
        var (_, created, _) = await Cli("create", "--scenario", "handshake");
        var id = created.Split('\n')[0].Split(' ')[1];
        var token = created.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var lab = _factory.Services.GetRequiredService<Sessions.LabService>();
        await lab.ExecuteAsync(id, token, new RunCommand(), default);
        using var output = new Screen(stallAfter: 2); // the ladder's header and first line
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var watching = new LabCli(output, TextWriter.Null, _state).RunAsync(["watch", id, "--server", _grpc], cancel.Token);
        await Until(() => output.Stalled);
        for (var i = 0; i < 200; i++) // far more than the watch's three changes and HTTP/2's window, while the terminal is stuck
        {
            await lab.ExecuteAsync(id, token, new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[1000]), default);
            await lab.ExecuteAsync(id, token, new RunCommand(), default);
        }
        var segments = lab.Find(id)!.Session.Events.Count(e => e.Kind is EventKind.SegmentSent or EventKind.SegmentDuplicated or EventKind.SegmentDropped);
        output.Go();
        await Until(() => Count(output, " seq=") == segments);
        await cancel.CancelAsync();
        Assert.Equal(0, await watching);
        Assert.Contains("── this terminal fell behind: carrying on from event #", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(segments, Count(output, " seq=")); // every segment drawn once: nothing skipped, nothing twice
    }

    private static int LinesStarting(string text, string prefix) => text.Split('\n').Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private static int Count(StringWriter output, string text)
    {
        var all = output.ToString();
        var n = 0;
        for (var at = all.IndexOf(text, StringComparison.Ordinal); at >= 0; at = all.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(condition(), "timed out");
    }

    /// <summary>
    /// A terminal the test reads while the CLI writes to it (a StringWriter alone is not safe for that); it can stop taking
    /// output after <paramref name="stallAfter"/> lines, until told to go on.
    /// </summary>
    private sealed class Screen(int stallAfter = int.MaxValue) : StringWriter
    {
        private readonly TaskCompletionSource _go = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _lines;

        public bool Stalled { get; private set; }

        public void Go() => _go.TrySetResult();

        public override async Task WriteLineAsync(string? value)
        {
            if (++_lines > stallAfter)
            {
                Stalled = true;
                await _go.Task;
            }
            lock (this)
            {
                base.WriteLine(value);
            }
        }

        public override void Write(string? value)
        {
            lock (this)
            {
                base.Write(value);
            }
        }

        public override string ToString()
        {
            lock (this)
            {
                return base.ToString();
            }
        }
    }

    [Fact]
    public async Task Scenarios_lists_every_preset_and_create_says_what_its_preset_shows()
    {
        var (code, text, _) = await Cli("scenarios");
        Assert.Equal(0, code);
        Assert.Equal(Scenarios.All.Select(s => s.Name), text.Split('\n').Where(l => l.Length > 0 && l[0] != ' ').Select(l => l.Split(' ')[0]));
        var (_, created, _) = await Cli("create", "--scenario", "lost-syn");
        Assert.EndsWith("A lost SYN: The client's SYN is lost on the way. Step: nothing arrives, the retransmission timer fires and the SYN goes again (after 1 s).",
            created.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shutdown_accept_and_read_drive_the_half_close_accept_queue_and_window_lessons()
    {
        var (_, created, _) = await Cli("create", "--scenario", "handshake", "--no-auto-accept", "--no-auto-read", "--receive-buffer", "1000");
        var id = created.Split('\n')[0].Split(' ')[1];
        await Cli("run", id);
        Assert.Contains("accept queue 1/128", (await Cli("show", id)).Out, StringComparison.Ordinal);
        var (code, _, _) = await Cli("accept", id, "server");
        Assert.Equal(0, code);
        Assert.Contains("accept queue 0/128", (await Cli("show", id)).Out, StringComparison.Ordinal);

        await Cli("send", id, "client", new string('x', 600));
        await Cli("run", id);
        Assert.Matches(@"\nserver +10\.0\.0\.2:80 ESTABLISHED .* RCV\.WND=400\n", (await Cli("show", id)).Out.Replace("\r", "", StringComparison.Ordinal));
        var (read, afterRead, _) = await Cli("read", id, "server");
        Assert.Equal(0, read);
        // 600 octets read open the window by more than half the buffer: the update goes out at once (SWS avoidance allows it).
        Assert.Matches(@"<-+ ACK seq=\d+ ack=\d+ win=1000 len=0 -+\n", afterRead.Replace("\r", "", StringComparison.Ordinal));

        var (shut, text, _) = await Cli("shutdown", id, "client");
        Assert.Equal(0, shut);
        Assert.Matches(@"-+ FIN,ACK seq=\d+ ack=\d+ win=\d+ len=0 -+>", text);
        Assert.EndsWith("client FIN_WAIT_1 · server ESTABLISHED · t=50 ms", text.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Netstat_and_diagram_print_what_rest_exports()
    {
        var id = await CreateHandshake();
        await Cli("run", id);
        using var http = _factory.CreateClient();
        Assert.Equal((0, await http.GetStringAsync($"/api/sessions/{id}/netstat"), ""), await Cli("netstat", id));
        Assert.Equal((0, await http.GetStringAsync($"/api/sessions/{id}/diagram.mmd"), ""), await Cli("diagram", id));
        var file = Path.Combine(Path.GetTempPath(), $"connlab-{Guid.NewGuid():N}.mmd");
        try
        {
            var (code, text, _) = await Cli("diagram", id, "-o", file);
            Assert.Equal(0, code);
            Assert.StartsWith("wrote ", text, StringComparison.Ordinal);
            Assert.Equal(await http.GetStringAsync($"/api/sessions/{id}/diagram.mmd"), await File.ReadAllTextAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_run_cut_short_by_its_step_budget_says_so()
    {
        var id = await CreateHandshake();
        var (code, text, _) = await Cli("run", id, "--max-steps", "1");
        Assert.Equal(0, code);
        Assert.EndsWith("client SYN_SENT · server SYN_RECEIVED · t=10 ms · stopped: the step budget ran out (--max-steps)", text.TrimEnd(), StringComparison.Ordinal);
        var (_, rest, _) = await Cli("run", id);
        Assert.EndsWith("client ESTABLISHED · server ESTABLISHED · t=30 ms", rest.TrimEnd(), StringComparison.Ordinal); // finished: nothing added
    }

    [Fact]
    public async Task Show_says_why_a_session_is_read_only()
    {
        var id = await CreateHandshake();
        _factory.Services.GetRequiredService<Sessions.LabService>().Find(id)!.Problem = "the replayed trace differs from the stored one at event 3";
        var (_, text, _) = await Cli("show", id);
        Assert.Equal("read-only: the replayed trace differs from the stored one at event 3 (rewind or fork it to go on)",
            text.Replace("\r", "", StringComparison.Ordinal).Split('\n')[1]);
    }

    [Fact]
    public async Task List_shows_each_session_with_its_profile_step_clock_and_states()
    {
        var id = await CreateHandshake();
        await Cli("run", id);
        var (code, text, _) = await Cli("list");
        Assert.Equal(0, code);
        var lines = text.Replace("\r", "", StringComparison.Ordinal).TrimEnd().Split('\n');
        Assert.Equal("id            profile    step      t ms  client       server       name", lines[0]);
        Assert.Contains($"{id,-14}rfc9293       3        30  ESTABLISHED  ESTABLISHED  The 3-way handshake", lines);
    }

    [Fact]
    public async Task Watch_with_trace_follows_every_event_as_text_with_its_explanation()
    {
        var id = await CreateHandshake();
        using var output = new Screen();
        using var cancel = new CancellationTokenSource();
        var watching = new LabCli(output, TextWriter.Null, _state).RunAsync(["watch", id, "--trace", "--server", _grpc], cancel.Token);
        await Cli("run", id);
        var (_, events, _) = await Cli("events", id);
        Assert.Contains("state-changed          SYN_RECEIVED → ESTABLISHED", events, StringComparison.Ordinal);
        await Until(() => output.ToString() == events);
        await cancel.CancelAsync();
        Assert.Equal(0, await watching);
        Assert.Equal(events, output.ToString()); // the same lines as the trace read afterwards: every event, explained, once
    }

    [Fact]
    public async Task Create_takes_every_setting_of_the_create_request()
    {
        var (code, created, _) = await Cli("create", "--scenario", "handshake", "--client-isn", "7", "--server-isn", "9", "--delay-ms", "25",
            "--backlog", "4", "--syn-cookies");
        Assert.Equal(0, code);
        var id = created.Split('\n')[0].Split(' ')[1];
        var (_, run, _) = await Cli("run", id);
        Assert.Contains("SYN,ACK seq=9 ack=8 win=65535 len=0 mss=1460", run, StringComparison.Ordinal);
        Assert.EndsWith("client ESTABLISHED · server ESTABLISHED · t=75 ms", run.TrimEnd(), StringComparison.Ordinal); // three 25 ms hops
        Assert.Contains("listener :80 backlog 4: SYN queue 0/4, accept queue 0/4, SYN cookies on, 0 sent", (await Cli("show", id)).Out, StringComparison.Ordinal);

        var (_, lossy, _) = await Cli("create", "--scenario", "handshake", "--loss-rate", "1");
        var (_, lost, _) = await Cli("run", lossy.Split('\n')[0].Split(' ')[1], "--max-steps", "3");
        // Three steps: the SYN lost on arrival, the retransmission timer at 1 s, the retransmitted SYN lost too.
        Assert.Equal(2, lost.Split('\n').Count(l => l.Contains("✗ lost: SYN seq=", StringComparison.Ordinal)));
        Assert.Contains("(rexmit)", lost, StringComparison.Ordinal);
        var (bad, _, error) = await Cli("create", "--loss-rate", "2");
        Assert.Equal(1, bad);
        Assert.Contains("link.lossRate", error, StringComparison.Ordinal);

        var (_, shortWait, _) = await Cli("create", "--scenario", "time-wait", "--override", "timeWaitMs=5000");
        Assert.Contains("\ntimer time-wait on client at 5050 ms\n", shortWait.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal); // entered at 50 ms
        var (unknown, _, what) = await Cli("create", "--override", "rto=5");
        Assert.Equal(2, unknown);
        Assert.StartsWith("connlab: --override: 'rto' is not a profile value (initialRtoMs, minRtoMs,", what, StringComparison.Ordinal);
    }
}
