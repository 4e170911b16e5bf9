using System.CommandLine;
using System.Globalization;
using ConnLab.Contracts.V1;
using Grpc.Core;

namespace ConnLab.Cli;

/// <summary><c>connlab watch</c>: the live ladder, which carries on where the server says to after a cut-off or a rewind.</summary>
public sealed partial class LabCli
{
    private Command WatchCommand()
    {
        var from = new Option<long>("--from") { Description = "first event index" };
        var watch = new Command("watch", "draw the session as a live ladder diagram (Ctrl+C to stop)") { _id, from };
        watch.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            var server = Ladder.Server(await client.GetSessionAsync(new SessionRequest { SessionId = id }, cancellationToken: ct));
            await output.WriteLineAsync(Ladder.Header);
            var next = p.GetValue(from);
            try
            {
                while (true)
                {
                    using var call = client.WatchSession(new WatchRequest { SessionId = id, FromIndex = next }, cancellationToken: ct);
                    try
                    {
                        while (await call.ResponseStream.MoveNext(ct))
                        {
                            var e = call.ResponseStream.Current;
                            next = e.Index + 1;
                            if (Ladder.Line(e, server) is { } line)
                            {
                                await output.WriteLineAsync(line);
                                await output.FlushAsync(ct);
                            }
                        }
                        return; // the server ended the stream (it is shutting down)
                    }
                    catch (RpcException ex) when (ResumeFrom(ex) is { } resume)
                    {
                        // Both come with the index to go on from: a terminal that fell too far behind a fast session skips
                        // nothing (it reads the rest as a replay), and after a rewind the ladder restarts at the new trace.
                        await output.WriteLineAsync(ex.StatusCode == StatusCode.Aborted
                            ? $"{"",10}  ── the session was rewound: the trace goes on from event #{resume} ──"
                            : $"{"",10}  ── this terminal fell behind: carrying on from event #{resume} ──");
                        next = resume;
                    }
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled || ct.IsCancellationRequested)
            {
                // Ctrl+C: a clean stop.
            }
        }));
        return watch;
    }

    /// <summary>The index a cut-off (ResourceExhausted) or rewound (Aborted) watch says to resume from, if any.</summary>
    private static long? ResumeFrom(RpcException ex) =>
        ex.StatusCode is StatusCode.ResourceExhausted or StatusCode.Aborted
        && ex.Trailers.GetValue("resume-from") is { } text
        && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : null;
}
