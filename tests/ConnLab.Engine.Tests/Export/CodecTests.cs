using System.Reflection;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Tests.Export;

public class CodecTests
{
    public static TheoryData<string> ScenarioNames => new(Scenarios.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void Every_event_of_every_scenario_decodes_to_an_equal_event(string scenario)
    {
        var preset = Scenarios.Find(scenario)!;
        var session = LabSession.Create(preset.ConfigureSession(new SessionConfig { Profile = "linux", Seed = 11 }));
        Assert.Null(preset.Apply(session));
        session.Execute(new RunCommand(RunUntil.Steps, MaxSteps: 200));
        foreach (var e in session.Events)
        {
            var decoded = EventCodec.Decode(EventCodec.Encode(e), e.Index);
            Assert.Equal(Flat(e), Flat(decoded));
            Assert.Equal(e.Explanation, decoded.Explanation);
        }
    }

    [Fact]
    public void Events_are_compact_on_disk()
    {
        var session = LabSession.Create();
        session.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        session.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
        session.Execute(new RunCommand());
        var sizes = session.Events.Select(e => EventCodec.Encode(e).Length).ToList();
        Assert.True(sizes.Average() < 40, $"average {sizes.Average():0.0} bytes per event");
    }

    [Fact]
    public void Decoding_truncated_bytes_is_a_format_error_not_a_crash()
    {
        var session = LabSession.Create();
        session.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        session.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
        var bytes = EventCodec.Encode(session.Events.Last(e => e.Segment is not null));
        for (var n = 0; n < bytes.Length; n++)
        {
            Assert.Throws<FormatException>(() => EventCodec.Decode(bytes.AsSpan(0, n), 0));
        }
    }

    [Fact]
    public void Digest_encoding_keeps_payloads_as_length_and_digest_and_refuses_to_decode()
    {
        var a = LabSession.Create();
        var b = LabSession.Create();
        foreach (var (s, text) in new[] { (a, "hello world"), (b, "hello there") })
        {
            s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
            s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
            s.Execute(new RunCommand());
            s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Send, System.Text.Encoding.ASCII.GetBytes(text)));
        }
        static LabEvent Data(LabSession s) => s.Events.Last(e => e.Kind == EventKind.SegmentSent && e.Segment!.Length > 0);
        var (ea, eb) = (Data(a), Data(b));
        Assert.Equal(11, ea.Segment!.Length);
        var (da, db) = (EventCodec.EncodeDigest(ea), EventCodec.EncodeDigest(eb));
        Assert.Equal(da.Length, db.Length);
        Assert.NotEqual(da, db); // same length, different octets: the digest tells them apart
        Assert.True(da.Length < EventCodec.Encode(ea).Length);
        Assert.Throws<FormatException>(() => EventCodec.Decode(da, ea.Index));
        var pure = a.Events.First(e => e.Segment is { Length: 0 });
        Assert.Equal(EventCodec.Encode(pure)[1..], EventCodec.EncodeDigest(pure)[1..]); // no payload: identical but for the version
    }

    [Theory]
    [InlineData(3, 0xE3069283u)] // CRC-32C's check value (RFC 3720 B.4 and every CRC catalogue)
    [InlineData(2, 0xBB86B11Cu)] // FNV-1a's, as rows stored before version 3 hold it
    public void A_digest_encoding_holds_the_payload_as_its_length_and_the_digest_of_its_version(byte version, uint checkValue)
    {
        var s = LabSession.Create();
        s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Connect));
        s.Execute(new RunCommand());
        s.Execute(new EndpointCommand(EndpointRole.Client, EndpointAction.Send, "123456789"u8.ToArray()));
        var sent = s.Events.Last(e => e.Kind == EventKind.SegmentSent && e.Segment!.Length > 0);

        var digest = EventCodec.EncodeDigest(sent, version);

        Assert.Equal(version, digest[0]);
        byte[] lengthAndDigest = [9, (byte)(checkValue >> 24), (byte)(checkValue >> 16), (byte)(checkValue >> 8), (byte)checkValue];
        Assert.True(digest.AsSpan().IndexOf(lengthAndDigest) > 0, Convert.ToHexString(digest));
        Assert.Equal(EventCodec.EncodeDigest(sent, version), digest); // deterministic
        Assert.True(EventCodec.IsDigestVersion(version));
    }

    [Fact]
    public void Digests_are_written_in_version_3_and_other_versions_are_refused()
    {
        var s = LabSession.Create();
        s.Execute(new EndpointCommand(EndpointRole.Server, EndpointAction.Listen));
        var e = s.Events[0];
        Assert.Equal(3, EventCodec.EncodeDigest(e)[0]);
        Assert.False(EventCodec.IsDigestVersion(1)); // the full encoding
        Assert.Throws<ArgumentOutOfRangeException>(() => EventCodec.EncodeDigest(e, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => EventCodec.EncodeDigest(e, 4));
    }

    public static TheoryData<LabCommand> Commands => new(
        new EndpointCommand(EndpointRole.Client, EndpointAction.Send, new byte[] { 0, 1, 2, 255 }),
        new EndpointCommand(EndpointRole.Server, EndpointAction.Read, MaxBytes: 10),
        new EndpointCommand(EndpointRole.Server, EndpointAction.Listen),
        new StepCommand(3),
        new RunCommand(RunUntil.State, EndpointRole.Server, TcpState.TimeWait, 50),
        new RunCommand(),
        new AdvanceCommand(12.5),
        new DropSegmentCommand(7),
        new DuplicateSegmentCommand(8),
        new DelaySegmentCommand(9, 2.25),
        new InjectSegmentCommand(new CraftedSegment
        {
            From = EndpointRole.Server, Source = "192.0.2.9:1234", Destination = "10.0.0.1:40000",
            Flags = TcpFlags.Rst | TcpFlags.Ack, Seq = 4_294_967_295, Ack = 17, Window = 512, UrgentPointer = 3, Mss = 1400,
            Data = new byte[] { 9, 8 },
        }),
        new SynFloodCommand(1000, Spoofed: false));

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_kind_round_trips_through_the_log_codec(LabCommand command)
    {
        var record = new CommandRecord(42, command, 5);
        var back = CommandCodec.Deserialize(CommandCodec.Serialize(record));
        Assert.Equal((42L, 5L), (back.Step, back.StepsTaken));
        Assert.Equal(Flat(command), Flat(back.Command));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{\"step\":1,\"steps\":0,\"type\":\"warp\"}")]
    [InlineData("{\"step\":1,\"steps\":0,\"type\":\"endpoint\",\"endpoint\":\"mars\",\"action\":\"send\"}")]
    [InlineData("[1,2]")]
    public void A_corrupt_log_entry_is_a_format_error(string json)
    {
        Assert.Throws<FormatException>(() => CommandCodec.Deserialize(json));
    }

    /// <summary>Records with ReadOnlyMemory members do not compare by content: compare a flattened text instead.</summary>
    private static string Flat(object? value) => value switch
    {
        null => "null",
        ReadOnlyMemory<byte> m => Convert.ToHexString(m.Span),
        string s => s,
        Enum or ValueType => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
        _ => value.GetType().Name + "{" + string.Join(",", value.GetType()
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name is not ("EqualityContract" or "Explanation"))
            .Select(p => p.Name + "=" + Flat(p.GetValue(value)))) + "}",
    };
}
