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

    [Fact]
    public async Task A_change_announced_before_the_watch_is_never_sent_even_when_a_rewind_made_its_indexes_look_new()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var connection = new DefaultConnectionContext("c1", new Duplex(toServer.Reader, toClient.Writer), new Duplex(toClient.Reader, toServer.Writer));
        var context = new HubConnectionContext(connection, new HubConnectionContextOptions { KeepAliveInterval = TimeSpan.Zero }, NullLoggerFactory.Instance)
        {
            Protocol = new JsonHubProtocol(),
        };
        // Watched right after a rewind to 16 events, announced as change 10; the broadcaster is still behind with
        // change 9, the old trace's events 105..107, which were committed before the rewind.
        var watcher = new Watcher(context, "s1", nextIndex: 16, since: 10, limit: 1000, cutOff: _ => { });
        watcher.Offer(Events(9, 105, 106, 107));
        watcher.Offer(Events(11, 16, 17, 18));
        watcher.Release();

        var sent = new List<long>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (sent.Count < 3 && DateTime.UtcNow < deadline)
        {
            var read = await toClient.Reader.ReadAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            var text = Encoding.UTF8.GetString(read.Buffer.ToArray());
            toClient.Reader.AdvanceTo(read.Buffer.End);
            foreach (var message in text.Split('\u001e', StringSplitOptions.RemoveEmptyEntries))
            {
                var invocation = JsonNode.Parse(message)!;
                Assert.Equal("SessionEvents", invocation["target"]!.GetValue<string>());
                sent.AddRange(invocation["arguments"]![0]!["events"]!.AsArray().Select(e => e!["index"]!.GetValue<long>()));
            }
        }
        Assert.Equal([16, 17, 18], sent);
        watcher.End();
    }
}
