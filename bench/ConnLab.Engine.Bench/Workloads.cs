using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Bench;

/// <summary>The sessions the benchmarks drive, built the way a lab would drive them.</summary>
internal static class Workloads
{
    private static byte[] _bulk = [];

    public static readonly byte[] TenKilobytes = Enumerable.Range(0, 10_240).Select(i => (byte)i).ToArray();

    public static SessionConfig Config(string profile, ulong seed = 1) => new() { Profile = profile, Seed = seed };

    /// <summary>Listen, connect, 10 KB client→server, both close, until idle: one lesson's worth of TCP.</summary>
    public static LabSession HandshakeTransferTeardown(string profile)
    {
        var s = LabSession.Create(Config(profile));
        s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
        s.Execute(new RunCommand());
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Send, TenKilobytes));
        s.Execute(new RunCommand());
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Close));
        s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Close));
        s.Execute(new RunCommand());
        return s;
    }

    /// <summary>An established pair (its trace: the handshake).</summary>
    public static LabSession Established(ulong seed)
    {
        var s = LabSession.Create(Config("linux", seed));
        s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
        s.Execute(new RunCommand());
        return s;
    }

    /// <summary>A bulk transfer of <paramref name="octets"/> on a clean link, until idle.</summary>
    public static LabSession Bulk(string profile, int octets)
    {
        if (_bulk.Length != octets)
        {
            _bulk = new byte[octets];
        }
        var s = LabSession.Create(Config(profile) with { Limits = LabLimits.Default with { MaxPayloadBytes = octets } });
        s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
        s.Execute(new RunCommand());
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Send, _bulk));
        s.Execute(new RunCommand(MaxSteps: 10_000_000));
        return s;
    }

    /// <summary>A lossy, jittery transfer, long enough to give a trace of about <paramref name="events"/> events.</summary>
    public static LabSession Lossy(int events)
    {
        var config = Config("linux", 7) with
        {
            Link = new LinkConfig { DelayMs = 5, JitterMs = 2, LossRate = 0.05, DuplicateRate = 0.02, ReorderRate = 0.02 },
        };
        var s = LabSession.Create(config);
        s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
        s.Execute(new RunCommand(RunUntil.State, EndpointRole.Client, Engine.Tcp.TcpState.Established, 1000));
        while (s.Events.Count < events)
        {
            s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[8_000]));
            s.Execute(new StepCommand(Math.Max(1, Math.Min(200, (events - s.Events.Count) / 4))));
        }
        return s;
    }
}
