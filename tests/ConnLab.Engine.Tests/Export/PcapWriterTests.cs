using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Export;

public class PcapWriterTests
{
    private static List<PcapReader.Packet> Capture(TcpLab lab)
    {
        var (linkType, packets) = PcapReader.Read(lab.Session.ExportPcap());
        Assert.Equal(101u, linkType);
        return packets;
    }

    [Fact]
    public void Handshake_data_and_teardown_are_captured_as_ipv4_tcp_with_valid_checksums()
    {
        var lab = new TcpLab().Listen().Connect().RunIdle().Send(Client, "hello").RunIdle()
            .Close(Client).RunIdle().Close(Server).RunIdle();
        var packets = Capture(lab);

        Assert.Equal(lab.Session.Events.Count(e => e.Kind == EventKind.SegmentSent), packets.Count);
        Assert.All(packets, p => Assert.True(p.IpChecksumOk && p.TcpChecksumOk, $"checksums of packet at {p.TimeUs} µs"));
        Assert.All(packets, p => Assert.Equal(64, p.Ttl));
        Assert.Equal(
            [
                "0 10.0.0.1:40000>10.0.0.2:80 SYN seq=1000 ack=0 win=65535 mss=1460 len=0",
                "10000 10.0.0.2:80>10.0.0.1:40000 SYN,ACK seq=5000 ack=1001 win=65535 mss=1460 len=0",
                "20000 10.0.0.1:40000>10.0.0.2:80 ACK seq=1001 ack=5001 win=65535 len=0",
                "30000 10.0.0.1:40000>10.0.0.2:80 PSH,ACK seq=1001 ack=5001 win=65535 len=5",
            ],
            packets.Take(4).Select(Describe));
        Assert.Equal("hello"u8.ToArray(), packets[3].Payload);
        Assert.Equal(["ACK", "FIN,ACK", "ACK", "FIN,ACK", "ACK"], packets.Skip(4).Select(p => Flags(p.Flags)));
    }

    [Fact]
    public void Sequence_numbers_near_2_pow_32_are_written_as_they_wrap()
    {
        var lab = new TcpLab("rfc9293", new SessionConfig
        {
            Client = EndpointConfig.DefaultClient with { Isn = uint.MaxValue - 1 },
            Server = EndpointConfig.DefaultServer with { Isn = 5000 },
        }).Listen().Connect().RunIdle().Send(Client, "abc").RunIdle();
        var packets = Capture(lab);
        Assert.Equal(uint.MaxValue - 1, packets[0].Seq);
        Assert.Equal(uint.MaxValue, packets[1].Ack);
        Assert.Equal(uint.MaxValue, packets[3].Seq);
        Assert.Equal(2u, packets[4].Ack); // 0xFFFFFFFF + 3 octets wraps to 2
        Assert.All(packets, p => Assert.True(p.TcpChecksumOk));
    }

    [Fact]
    public void Lost_segments_are_captured_when_sent_and_duplicates_when_copied()
    {
        var lab = new TcpLab().Listen().Connect().DropInFlight().RunIdle();
        var resent = lab.Session.Events.Single(e => e.Kind == EventKind.SegmentSent && e.Segment!.Origin == SegmentOrigin.Retransmission);
        var packets = Capture(lab);
        Assert.Equal(2, packets.Count(p => Flags(p.Flags) == "SYN"));
        Assert.Equal(resent.TimeUs, packets[1].TimeUs);
        Assert.Equal(1_000_000, packets[1].TimeUs); // RFC 6298 §2.1: initial RTO 1 s
    }

    [Fact]
    public void A_duplicated_segment_appears_twice_with_distinct_ip_ids()
    {
        var lab = new TcpLab().Listen().Connect();
        var syn = lab.Session.Snapshot().InFlight.Single().Segment;
        lab.Do(new DuplicateSegmentCommand(syn.Id));
        var packets = Capture(lab);
        Assert.Equal(2, packets.Count);
        Assert.Equal(packets[0] with { IpId = 0 }, packets[1] with { IpId = 0 }, PacketComparer.Instance);
        Assert.NotEqual(packets[0].IpId, packets[1].IpId);
    }

    [Fact]
    public void An_odd_length_payload_is_checksummed_with_a_zero_pad_octet()
    {
        var lab = new TcpLab().Listen().Connect().RunIdle().Send(Client, "odd").RunIdle();
        var data = Capture(lab).Single(p => p.Payload.Length == 3);
        Assert.True(data.TcpChecksumOk);
    }

    [Fact]
    public void An_empty_trace_is_a_bare_global_header()
    {
        var bytes = LabSession.Create().ExportPcap();
        Assert.Equal(24, bytes.Length);
        Assert.Empty(PcapReader.Read(bytes).Packets);
    }

    [Fact]
    public void Write_packet_refuses_a_buffer_that_is_too_small()
    {
        var lab = new TcpLab().Listen().Connect();
        var syn = lab.Session.Snapshot().InFlight.Single().Segment;
        Assert.Throws<ArgumentException>(() => PcapWriter.WritePacket(syn, new byte[43]));
        Assert.Equal(44, PcapWriter.WritePacket(syn, new byte[44]));
    }

    private static string Flags(byte f) => TcpFlagNames.ToLabel((TcpFlags)f);

    private static string Describe(PcapReader.Packet p) =>
        $"{p.TimeUs} {Ip(p.Src)}:{p.SrcPort}>{Ip(p.Dst)}:{p.DstPort} {Flags(p.Flags)} seq={p.Seq} ack={p.Ack} win={p.Window}"
        + (p.Mss is { } m ? $" mss={m}" : "") + $" len={p.Payload.Length}";

    private static string Ip(uint a) => $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}";

    private sealed class PacketComparer : IEqualityComparer<PcapReader.Packet>
    {
        public static readonly PacketComparer Instance = new();
        public bool Equals(PcapReader.Packet? x, PcapReader.Packet? y) =>
            x is not null && y is not null && x with { Payload = [] } == y with { Payload = [] } && x.Payload.SequenceEqual(y.Payload);
        public int GetHashCode(PcapReader.Packet obj) => obj.Seq.GetHashCode();
    }
}
