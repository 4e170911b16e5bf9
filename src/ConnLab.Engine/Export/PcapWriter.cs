using System.Buffers.Binary;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Export;

/// <summary>
/// Writes a trace as a classic pcap file that Wireshark and tcpdump open: LINKTYPE_RAW (101), one record per segment
/// put on the wire, each a real IPv4 header and TCP header with correct checksums (RFC 791, RFC 9293 §3.1).
/// </summary>
/// <remarks>
/// The capture point is the wire as the sender sees it (like tcpdump on loopback): a segment is recorded when it is
/// sent, and a copy made by the link when it is made. Timestamps are the virtual clock counted from the Unix epoch,
/// so Wireshark's relative times read as the lab's milliseconds. Nothing else (no wall clock, no random IP id)
/// goes in, so the same trace always gives the same bytes.
/// </remarks>
public static class PcapWriter
{
    /// <summary>pcap link type for raw IPv4/IPv6 packets with no link-layer header.</summary>
    public const uint LinkTypeRaw = 101;

    private const int GlobalHeaderLength = 24;
    private const int RecordHeaderLength = 16;
    private const int IpHeaderLength = 20;
    private const int TcpHeaderLength = 20;
    private const int MssOptionLength = 4;
    private const byte DefaultTtl = 64; // Linux net.ipv4.ip_default_ttl

    /// <summary>The pcap bytes of every segment put on the wire.</summary>
    public static byte[] Write(IReadOnlyList<LabEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var length = GlobalHeaderLength;
        foreach (var e in events)
        {
            if (IsOnTheWire(e))
            {
                length += RecordHeaderLength + PacketLength(e.Segment!);
            }
        }

        var bytes = new byte[length];
        WriteGlobalHeader(bytes);
        var at = GlobalHeaderLength;
        foreach (var e in events)
        {
            if (!IsOnTheWire(e))
            {
                continue;
            }
            var segment = e.Segment!;
            var packetLength = PacketLength(segment);
            var record = bytes.AsSpan(at, RecordHeaderLength);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(e.TimeUs / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(e.TimeUs % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)packetLength);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)packetLength);
            at += RecordHeaderLength;
            WritePacket(segment, bytes.AsSpan(at, packetLength));
            at += packetLength;
        }
        return bytes;
    }

    /// <summary>Writes one segment as an IPv4 packet (header, TCP header with options, payload) into <paramref name="packet"/>.</summary>
    /// <returns>The packet length.</returns>
    public static int WritePacket(Segment segment, Span<byte> packet)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var length = PacketLength(segment);
        if (packet.Length < length)
        {
            throw new ArgumentException($"the packet needs {length} bytes", nameof(packet));
        }
        packet = packet[..length];
        packet.Clear();

        var ip = packet[..IpHeaderLength];
        ip[0] = 0x45; // version 4, IHL 5 words
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)segment.Id); // identification: unique per packet
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // DF, as Linux sets for TCP (PMTU discovery)
        ip[8] = DefaultTtl;
        ip[9] = 6; // TCP
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], segment.Source.Address);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], segment.Destination.Address);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Complete(Checksum.Add(0, ip)));

        var tcp = packet[IpHeaderLength..];
        var headerLength = TcpHeaderLength + (segment.Mss != 0 ? MssOptionLength : 0);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, segment.Source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], segment.Destination.Port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], segment.Seq.Value);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], segment.Ack.Value);
        tcp[12] = (byte)(headerLength / 4 << 4);
        tcp[13] = (byte)segment.Flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], segment.Window);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[18..], segment.UrgentPointer);
        if (segment.Mss != 0)
        {
            tcp[20] = 2; // kind: maximum segment size (RFC 9293 §3.2)
            tcp[21] = MssOptionLength;
            BinaryPrimitives.WriteUInt16BigEndian(tcp[22..], segment.Mss);
        }
        segment.Payload.Span.CopyTo(tcp[headerLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], TcpChecksum(segment.Source.Address, segment.Destination.Address, tcp));
        return length;
    }

    /// <summary>
    /// The TCP checksum over the pseudo-header (source, destination, zero, protocol 6, TCP length) and the segment,
    /// with the checksum field itself read as whatever <paramref name="tcp"/> holds (zero when computing, the stored
    /// value when verifying: a correct segment then sums to 0).
    /// </summary>
    public static ushort TcpChecksum(uint source, uint destination, ReadOnlySpan<byte> tcp)
    {
        Span<byte> pseudo = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(pseudo, source);
        BinaryPrimitives.WriteUInt32BigEndian(pseudo[4..], destination);
        pseudo[9] = 6;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo[10..], (ushort)tcp.Length);
        return Checksum.Complete(Checksum.Add(Checksum.Add(0, pseudo), tcp));
    }

    /// <summary>The IPv4 header checksum of <paramref name="ipHeader"/>; 0 when the stored checksum is correct.</summary>
    public static ushort IpChecksum(ReadOnlySpan<byte> ipHeader) => Checksum.Complete(Checksum.Add(0, ipHeader));

    private static bool IsOnTheWire(LabEvent e) =>
        e.Segment is not null && e.Kind is EventKind.SegmentSent or EventKind.SegmentDuplicated;

    private static int PacketLength(Segment s) =>
        IpHeaderLength + TcpHeaderLength + (s.Mss != 0 ? MssOptionLength : 0) + s.Payload.Length;

    private static void WriteGlobalHeader(Span<byte> header)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B2C3D4); // microsecond timestamps
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        // thiszone and sigfigs stay 0
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65_535); // snaplen
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkTypeRaw);
    }

    /// <summary>The Internet checksum (RFC 1071): one's-complement sum of 16-bit big-endian words.</summary>
    private static class Checksum
    {
        public static uint Add(uint sum, ReadOnlySpan<byte> bytes)
        {
            var i = 0;
            for (; i + 1 < bytes.Length; i += 2)
            {
                sum += (uint)(bytes[i] << 8 | bytes[i + 1]);
            }
            if (i < bytes.Length)
            {
                sum += (uint)(bytes[i] << 8); // an odd byte is padded with a zero octet
            }
            return sum;
        }

        public static ushort Complete(uint sum)
        {
            while (sum >> 16 != 0)
            {
                sum = (sum & 0xFFFF) + (sum >> 16);
            }
            return (ushort)~sum;
        }
    }
}
