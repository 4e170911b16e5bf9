using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Server.Sessions;

namespace ConnLab.Server.Tests;

/// <summary>A restored session's replay is checked against its stored trace, each row in the digest version it was stored in.</summary>
public sealed class ReplayCheckTests
{
    private static IReadOnlyList<LabEvent> Transfer(string text)
    {
        var s = LabSession.Create(new SessionConfig { Profile = "linux", Seed = 5 });
        s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
        s.Execute(new RunCommand());
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Send, System.Text.Encoding.ASCII.GetBytes(text)));
        s.Execute(new RunCommand());
        return s.Events;
    }

    [Fact]
    public void A_trace_stored_in_the_earlier_fnv_digests_or_partly_in_each_version_matches_its_replay()
    {
        var events = Transfer("hello world");
        Assert.Contains(events, e => e.Segment is { Length: > 0 });

        Assert.Null(LabService.FirstDifference(events, events.Select(e => EventCodec.EncodeDigest(e, 2)).ToList()));
        Assert.Null(LabService.FirstDifference(events, events.Select(EventCodec.EncodeDigest).ToList()));
        // A store written by the earlier release, then appended to by this one.
        Assert.Null(LabService.FirstDifference(events, events.Select((e, i) => EventCodec.EncodeDigest(e, i < events.Count / 2 ? (byte)2 : (byte)3)).ToList()));
    }

    [Fact]
    public void A_stored_payload_that_differs_or_a_row_in_no_known_version_is_the_first_difference()
    {
        var events = Transfer("hello world");
        var other = Transfer("hello there");
        var first = Enumerable.Range(0, events.Count).First(i => events[i].Segment is { Length: > 0 } || !events[i].Data.IsEmpty); // the first octets sent or queued

        Assert.Equal(first, LabService.FirstDifference(events, other.Select(e => EventCodec.EncodeDigest(e, 2)).ToList()));
        Assert.Equal(first, LabService.FirstDifference(events, other.Select(EventCodec.EncodeDigest).ToList()));
        var unknown = events.Select(EventCodec.EncodeDigest).ToList();
        unknown[4] = [.. unknown[4]];
        unknown[4][0] = 9;
        Assert.Equal(4, LabService.FirstDifference(events, unknown));
        Assert.Equal(events.Count - 1, LabService.FirstDifference(events, events.SkipLast(1).Select(EventCodec.EncodeDigest).ToList()));
    }
}
