using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;
using ConnLab.Server.Api;
using ConnLab.Server.Hubs;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConnLab.Server.Tests;

/// <summary>A SignalR watcher's rule for what it sends, on a connection whose output the test reads.</summary>
public sealed class HubWatcherTests
{
    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    private static EventView Event(long index) => new(index, 0, 0, "segment-sent", "client", null, null, null, null, null, "rule", "explanation", "RFC 9293");

    private static Broadcast Events(long seq, params long[] indexes) =>
        Broadcast.Appended(new SessionEventsMessage("s1", indexes.Select(Event).ToList(), null), seq);

    /// <summary>A hub connection whose output the test reads as JSON hub messages.</summary>
    private sealed class Client
    {
        private readonly Pipe _toClient = new();

        /// <param name="holdWrites">Each write waits until the test reads it: a connection whose client has stopped reading.</param>
        public Client(bool holdWrites = false)
        {
            if (holdWrites)
            {
                _toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1));
            }
            var toServer = new Pipe();
            var connection = new DefaultConnectionContext("c1", new Duplex(toServer.Reader, _toClient.Writer), new Duplex(_toClient.Reader, toServer.Writer));
            Context = new HubConnectionContext(connection, new HubConnectionContextOptions { KeepAliveInterval = TimeSpan.Zero }, NullLoggerFactory.Instance)
            {
                Protocol = new JsonHubProtocol(),
            };
        }

        public HubConnectionContext Context { get; }

        /// <summary>The next <paramref name="count"/> messages sent: each its target and arguments.</summary>
        public async Task<List<JsonNode>> Read(int count)
        {
            var messages = new List<JsonNode>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (messages.Count < count)
            {
                var read = await _toClient.Reader.ReadAsync(timeout.Token);
                var text = Encoding.UTF8.GetString(read.Buffer.ToArray());
                _toClient.Reader.AdvanceTo(read.Buffer.End);
                messages.AddRange(text.Split('\u001e', StringSplitOptions.RemoveEmptyEntries).Select(m => JsonNode.Parse(m)!));
            }
            return messages;
        }
    }

    private static long[] Indexes(JsonNode message) =>
        [.. message["arguments"]![0]!["events"]!.AsArray().Select(e => e!["index"]!.GetValue<long>())];

    [Fact]
    public async Task A_change_announced_before_the_watch_is_never_sent_even_when_a_rewind_made_its_indexes_look_new()
    {
        var client = new Client();
        // Watched right after a rewind to 16 events, announced as change 10; the broadcaster is still behind with
        // change 9, the old trace's events 105..107, which were committed before the rewind.
        var watcher = new Watcher(client.Context, "s1", nextIndex: 16, since: 10, limit: 1000, maxLagMs: 0, cutOff: _ => { });
        watcher.Offer(Events(9, 105, 106, 107));
        watcher.Offer(Events(11, 16, 17, 18));
        watcher.Release();

        var sent = await client.Read(1);
        Assert.Equal("SessionEvents", sent[0]["target"]!.GetValue<string>());
        Assert.Equal([16, 17, 18], Indexes(sent[0]));
        watcher.End();
    }

    [Fact]
    public async Task A_watcher_cut_off_with_a_rewind_still_queued_resumes_from_where_the_trace_restarted()
    {
        var client = new Client();
        var watcher = new Watcher(client.Context, "s1", nextIndex: 100, since: 0, limit: 5, maxLagMs: 0, cutOff: _ => { });
        watcher.Offer(Events(1, 100, 101));
        // Not released yet (as before a Watch answer goes out): everything queues. A rewind to 16, the new trace's
        // events, then more than the limit: cut off.
        var rewound = new SessionView("s1", "n", "linux", 1, 0, 0, 16, null!, [], [], 0, [], null, [], null);
        watcher.Offer(Broadcast.Rewind(rewound, 2));
        watcher.Offer(Events(3, 16, 17, 18));
        watcher.Offer(Events(4, 19, 20, 21));
        watcher.Release();

        var sent = await client.Read(1);
        Assert.Equal("SessionLagged", sent[0]["target"]!.GetValue<string>());
        Assert.Equal(16, sent[0]["arguments"]![1]!.GetValue<long>()); // not 100: the trace restarted at 16 meanwhile
    }

    /// <summary>
    /// On a connection whose client does not read: batches 0-1 (handed to the connection) and 2-3 (left in the outbox),
    /// a 300 ms pause, then 4-5. Released before the first batch, or (<paramref name="releaseLate"/>) only after the pause,
    /// as when the Watch answer took that long to write.
    /// </summary>
    private static async Task<(Client Client, Watcher Watcher, int CutOffs)> BatchesAroundAPause(int maxLagMs, bool releaseLate = false)
    {
        var client = new Client(holdWrites: true);
        var cutOffs = 0;
        var watcher = new Watcher(client.Context, "s1", nextIndex: 0, since: 0, limit: 1000, maxLagMs: maxLagMs, cutOff: _ => cutOffs++);
        if (!releaseLate)
        {
            watcher.Release();
        }
        watcher.Offer(Events(1, 0, 1));
        watcher.Offer(Events(2, 2, 3));
        await Task.Delay(300);
        if (releaseLate)
        {
            watcher.Release();
        }
        watcher.Offer(Events(3, 4, 5)); // finds the oldest unsent batch 300 ms old (or, released late, just released)
        return (client, watcher, cutOffs);
    }

    [Fact]
    public async Task A_watcher_whose_oldest_unsent_batch_waited_past_the_lag_bound_is_cut_off_though_under_the_event_limit()
    {
        var (client, _, cutOffs) = await BatchesAroundAPause(maxLagMs: 100);

        var sent = await client.Read(2);
        Assert.Equal("SessionEvents", sent[0]["target"]!.GetValue<string>());
        Assert.Equal([0, 1], Indexes(sent[0]));
        Assert.Equal("SessionLagged", sent[1]["target"]!.GetValue<string>());
        Assert.Equal(2, sent[1]["arguments"]![1]!.GetValue<long>()); // the waiting batch was dropped: resume from it
        Assert.Equal(1, cutOffs);
    }

    [Fact]
    public async Task Without_a_lag_bound_a_watcher_under_the_event_limit_gets_every_batch_however_late()
    {
        var (client, watcher, cutOffs) = await BatchesAroundAPause(maxLagMs: 0);

        var sent = await client.Read(3);
        Assert.Equal([[0, 1], [2, 3], [4, 5]], sent.Select(Indexes));
        Assert.Equal(0, cutOffs);
        watcher.End();
    }

    [Fact]
    public async Task Time_spent_waiting_for_the_watch_answer_does_not_count_as_lag()
    {
        var (client, watcher, cutOffs) = await BatchesAroundAPause(maxLagMs: 100, releaseLate: true);

        var sent = await client.Read(3);
        Assert.Equal([[0, 1], [2, 3], [4, 5]], sent.Select(Indexes));
        Assert.Equal(0, cutOffs);
        watcher.End();
    }
}
