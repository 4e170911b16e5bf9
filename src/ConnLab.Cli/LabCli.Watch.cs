using System.CommandLine;
using System.Globalization;
using ConnLab.Contracts.V1;
using Grpc.Core;

namespace ConnLab.Cli;

/// <summary>
/// <c>connlab watch</c>: the live ladder, which carries on where the server says to after a cut-off or a rewind, and from the
/// next event after the server went away for a while (a restart, a Wi-Fi blip), giving up after two minutes.
/// </summary>
public sealed partial class LabCli
{
    private Command WatchCommand()
    {
        var from = new Option<long>("--from") { Description = "first event index" };
        var trace = new Option<bool>("--trace") { Description = "every event as text with its explanation (as connlab events prints them), instead of the ladder" };
        var watch = new Command("watch", "draw the session as a live ladder diagram (Ctrl+C to stop); rides out a server restart") { _id, from, trace };
        watch.SetAction((p, ct) => Do(p, async client =>
        {
            var id = p.GetValue(_id)!;
            var server = Ladder.Server(await client.GetSessionAsync(new SessionRequest { SessionId = id }, cancellationToken: ct));
            var asText = p.GetValue(trace);
            if (!asText)
            {
                await output.WriteLineAsync(Ladder.Header);
            }
            var next = p.GetValue(from);
            long? lostAt = null; // when the server went away, while it stays away
            var wait = FirstRetry;
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
                            if (lostAt is not null)
                            {
                                await output.WriteLineAsync($"{"",10}  ── the server is back: carrying on from event #{next} ──");
                                (lostAt, wait) = (null, FirstRetry);
                            }
                            next = e.Index + 1;
                            foreach (var line in asText ? TraceText.Lines(e, explain: true) : Ladder.Line(e, server) is { } drawn ? [drawn] : [])
                            {
                                await output.WriteLineAsync(line);
                            }
                            await output.FlushAsync(ct);
                        }
                        // A watch never ends by itself: the server is shutting down (a restart, most often). Wait for it.
                        throw new RpcException(new Status(StatusCode.Unavailable, "the server ended the watch"));
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
                    catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && !ct.IsCancellationRequested)
                    {
                        // A restarted server or a Wi-Fi blip: the session is in its store, so try again from the next event.
                        if (lostAt is null)
                        {
                            lostAt = Environment.TickCount64;
                            await output.WriteLineAsync($"{"",10}  ── lost the server; trying again for up to {GiveUpAfter.TotalMinutes:0} minutes ──");
                            await output.FlushAsync(ct);
                        }
                        else if (Environment.TickCount64 - lostAt > (long)GiveUpAfter.TotalMilliseconds)
                        {
                            throw;
                        }
                        await Task.Delay(wait, ct);
                        wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LastRetry.Ticks));
                    }
                }
            }
            catch (Exception ex) when (ct.IsCancellationRequested || ex is RpcException { StatusCode: StatusCode.Cancelled })
            {
                // Ctrl+C: a clean stop.
            }
        }));
        return watch;
    }

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);

    /// <summary>The index a cut-off (ResourceExhausted) or rewound (Aborted) watch says to resume from, if any.</summary>
    private static long? ResumeFrom(RpcException ex) =>
        ex.StatusCode is StatusCode.ResourceExhausted or StatusCode.Aborted
        && ex.Trailers.GetValue("resume-from") is { } text
        && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : null;
}
