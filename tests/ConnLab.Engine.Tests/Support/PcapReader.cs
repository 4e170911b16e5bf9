using System.Buffers.Binary;

namespace ConnLab.Engine.Tests.Support;

/// <summary>
/// An independent reader for the pcap files the engine writes: it parses the global header, each record, the IPv4
/// header and the TCP header, and verifies both checksums with its own RFC 1071 sum (it shares no code with
/// the writer, so a writer bug cannot hide behind it).
/// </summary>
internal static class PcapReader
{
    public sealed record Packet(
        long TimeUs, uint Src, uint Dst, ushort SrcPort, ushort DstPort, uint Seq, uint Ack, byte Flags, ushort Window,
        ushort Urgent, ushort? Mss, byte[] Payload, bool IpChecksumOk, bool TcpChecksumOk, byte Ttl, ushort IpId);

    public static (uint LinkType, List<Packet> Packets) Read(byte[] file)
    {
        Assert.True(file.Length >= 24, "a pcap file has a 24-byte global header");
        Assert.Equal(0xA1B2C3D4u, BinaryPrimitives.ReadUInt32LittleEndian(file));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(6)));
        var linkType = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20));
        var packets = new List<Packet>();
        var at = 24;
        while (at < file.Length)
        {
            var sec = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
            var usec = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 4));
            var caplen = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8));
            var origlen = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 12));
            Assert.Equal(caplen, origlen);
            Assert.True(usec < 1_000_000);
            packets.Add(Parse(file.AsSpan(at + 16, caplen), sec * 1_000_000L + usec));
            at += 16 + caplen;
        }
        Assert.Equal(file.Length, at);
        return (linkType, packets);
    }

    private static Packet Parse(ReadOnlySpan<byte> ip, long timeUs)
    {
        Assert.Equal(0x45, ip[0]);
        Assert.Equal(ip.Length, BinaryPrimitives.ReadUInt16BigEndian(ip[2..]));
        Assert.Equal(6, ip[9]);
        var src = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        var dst = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        var tcp = ip[20..];
        var offset = (tcp[12] >> 4) * 4;
        Assert.InRange(offset, 20, tcp.Length);
        ushort? mss = null;
        for (var o = 20; o < offset;)
        {
            var kind = tcp[o];
            if (kind == 0)
            {
                break;
            }
            if (kind == 1)
            {
                o++;
                continue;
            }
            if (kind == 2)
            {
                Assert.Equal(4, tcp[o + 1]);
                mss = BinaryPrimitives.ReadUInt16BigEndian(tcp[(o + 2)..]);
            }
            o += tcp[o + 1];
        }
        Span<byte> pseudo = stackalloc byte[12];
        ip.Slice(12, 8).CopyTo(pseudo);
        pseudo[9] = 6;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo[10..], (ushort)tcp.Length);
        return new Packet(timeUs, src, dst,
            BinaryPrimitives.ReadUInt16BigEndian(tcp), BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]), BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]),
            tcp[13], BinaryPrimitives.ReadUInt16BigEndian(tcp[14..]), BinaryPrimitives.ReadUInt16BigEndian(tcp[18..]),
            mss, tcp[offset..].ToArray(),
            IpChecksumOk: Fold(Sum(ip[..20])) == 0xFFFF,
            TcpChecksumOk: Fold(Sum(pseudo) + Sum(tcp)) == 0xFFFF,
            Ttl: ip[8], IpId: BinaryPrimitives.ReadUInt16BigEndian(ip[4..]));
    }

    // A correct header sums (one's complement, checksum field included) to 0xFFFF.
    private static ulong Sum(ReadOnlySpan<byte> bytes)
    {
        ulong sum = 0;
        for (var i = 0; i < bytes.Length; i += 2)
        {
            sum += (ulong)(bytes[i] << 8) + (i + 1 < bytes.Length ? bytes[i + 1] : 0u);
        }
        return sum;
    }

    private static ulong Fold(ulong sum)
    {
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return sum;
    }
}
