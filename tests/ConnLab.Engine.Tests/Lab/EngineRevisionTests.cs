using System.Security.Cryptography;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Tests.Lab;

/// <summary>
/// <see cref="LabSession.EngineRevision"/> means "this engine's traces": a stored session recorded by another revision is
/// told apart on restore. So a change that alters any trace must raise it, and this test notices one that does not.
/// </summary>
public class EngineRevisionTests
{
    /// <summary>A digest of the traces of a spread of sessions: both profiles, ISS values across the sequence space, a
    /// lossy link, a bulk transfer and its close, and every lesson preset run to idle.</summary>
    private static string TracesDigest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(LabSession session)
        {
            foreach (var e in session.Events)
            {
                hash.AppendData(EventCodec.EncodeDigest(e));
            }
        }
        foreach (var profile in new[] { "rfc9293", "linux" })
        {
            foreach (var seed in new ulong[] { 1, 2, 3, 4, 5, 6 })
            {
                var session = LabSession.Create(new SessionConfig { Profile = profile, Seed = seed, Link = new LinkConfig { LossRate = 0.1, DelayMs = 5 } });
                foreach (var command in new LabCommand[]
                         {
                             new EndpointCommand(EndpointRole.Server, EndpointAction.Listen), new EndpointCommand(EndpointRole.Client, EndpointAction.Connect),
                             new RunCommand(MaxSteps: 10_000), new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[20_000]),
                             new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[7]), new RunCommand(MaxSteps: 10_000),
                             new EndpointCommand(EndpointRole.Client, EndpointAction.Close), new EndpointCommand(EndpointRole.Server, EndpointAction.Close),
                             new RunCommand(MaxSteps: 10_000),
                         })
                {
                    Assert.Null(session.Execute(command).Error);
                }
                Add(session);
            }
            foreach (var scenario in Scenarios.All)
            {
                var session = LabSession.Create(new SessionConfig { Profile = profile });
                Assert.Null(scenario.Apply(session));
                Assert.Null(session.Execute(new RunCommand(MaxSteps: 10_000)).Error);
                Add(session);
            }
        }
        return Convert.ToHexString(hash.GetHashAndReset())[..16];
    }

    [Fact]
    public void The_engine_revision_names_the_traces_this_engine_records()
    {
        // On a failure: this change alters traces. Raise LabSession.EngineRevision (saying what changed in its comment),
        // then put the new digest and revision here.
        Assert.Equal(("2A581328305BE814", 2), (TracesDigest(), LabSession.EngineRevision));
    }
}
