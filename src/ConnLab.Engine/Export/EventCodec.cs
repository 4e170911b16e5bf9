using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Net;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Export;

/// <summary>
/// A compact, versioned binary form of one <see cref="LabEvent"/>, for the trace store: about 20–50 bytes for an
/// event without payload. Encoding is deterministic, so two traces are equal exactly when their encodings are.
/// </summary>
/// <remarks>
/// Layout (v1): version, step, time (µs), kind, rule, endpoint, presence bits, then the optional parts: segment,
/// from, to, timer, due (µs), value (zig-zag), data. Integers are LEB128 varints. The index is not stored: the
/// store's key holds it.
/// </remarks>
public static class EventCodec
{
    private const byte Version = 1;
    /// <summary>Digest encodings: payload octets as their length and CRC-32C (3), or FNV-1a (2, stored before 3 existed).</summary>
    private const byte DigestVersion = 3;
    private const byte FnvDigestVersion = 2;
    private static readonly string[] CommonEndpoints = ["client", "server", "link", "attacker"];

    [Flags]
    private enum Parts : byte
    {
        None = 0,
        Segment = 1,
        From = 2,
        To = 4,
        Timer = 8,
        Due = 16,
        Value = 32,
        Data = 64,
    }

    [Flags]
    private enum SegmentParts : byte
    {
        None = 0,
        Urgent = 1,
        Mss = 2,
        Payload = 4,
        DuplicateOf = 8,
    }

    /// <summary>Encodes an event into a new array.</summary>
    public static byte[] Encode(LabEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        Write(e, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends an event's encoding to <paramref name="output"/>.</summary>
    public static void Write(LabEvent e, IBufferWriter<byte> output) => Write(e, output, Version);

    /// <summary>
    /// The store's form of an event: the full encoding except that payload and data octets are replaced by their
    /// length and a 32-bit CRC-32C digest. The octets themselves are in the command log (what was sent), so a stored
    /// trace stays small (tens of bytes per event, not a copy of every segment's payload) and a replay can still be
    /// checked against it byte for byte. Digest encodings cannot be decoded: rebuild events by replaying.
    /// </summary>
    /// <remarks>
    /// CRC-32C, not FNV-1a as in digest version 2: FNV-1a takes a multiply per octet, one after another (~2 µs for a
    /// full-size segment, 3–4 % of a bulk transfer's REST step load), while CRC-32C takes one instruction per 8 octets
    /// (SSE 4.2, Arm CRC; a table elsewhere). Rows stored in version 2 are checked in version 2
    /// (<see cref="EncodeDigest(LabEvent, byte)"/>).
    /// </remarks>
    public static byte[] EncodeDigest(LabEvent e) => EncodeDigest(e, DigestVersion);

    /// <summary>True for the first byte of a digest encoding this codec can write, in any of its versions.</summary>
    public static bool IsDigestVersion(byte version) => version is DigestVersion or FnvDigestVersion;

    /// <summary>The digest encoding in a given digest version (<see cref="IsDigestVersion"/>): to check a stored row against a replay.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a digest version.</exception>
    public static byte[] EncodeDigest(LabEvent e, byte version)
    {
        if (!IsDigestVersion(version))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "not a digest encoding version");
        }
        var buffer = new ArrayBufferWriter<byte>(64);
        Write(e, buffer, version);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(LabEvent e, IBufferWriter<byte> output, byte version)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(output);
        var w = new Writer(output) { Version = version };
        w.Byte(version);
        w.VarUInt((ulong)e.Step);
        w.VarUInt((ulong)e.TimeUs);
        w.Byte((byte)e.Kind);
        w.VarUInt((ulong)e.Rule);
        var common = Array.IndexOf(CommonEndpoints, e.Endpoint);
        if (common >= 0)
        {
            w.Byte((byte)common);
        }
        else
        {
            w.Byte(0xFF);
            w.String(e.Endpoint);
        }
        var parts = (e.Segment is null ? 0 : Parts.Segment) | (e.From is null ? 0 : Parts.From) | (e.To is null ? 0 : Parts.To)
            | (e.Timer is null ? 0 : Parts.Timer) | (e.DueUs == 0 ? 0 : Parts.Due) | (e.Value == 0 ? 0 : Parts.Value)
            | (e.Data.IsEmpty ? 0 : Parts.Data);
        w.Byte((byte)parts);
        if (e.Segment is { } s)
        {
            WriteSegment(ref w, s);
        }
        if (e.From is { } from)
        {
            w.Byte((byte)from);
        }
        if (e.To is { } to)
        {
            w.Byte((byte)to);
        }
        if (e.Timer is { } timer)
        {
            w.Byte((byte)timer);
        }
        if (e.DueUs != 0)
        {
            w.VarUInt((ulong)e.DueUs);
        }
        if (e.Value != 0)
        {
            w.VarUInt((ulong)((e.Value << 1) ^ (e.Value >> 63)));
        }
        if (!e.Data.IsEmpty)
        {
            w.Octets(e.Data.Span);
        }
    }

    private static void WriteSegment(ref Writer w, Segment s)
    {
        var parts = (s.UrgentPointer == 0 ? 0 : SegmentParts.Urgent) | (s.Mss == 0 ? 0 : SegmentParts.Mss)
            | (s.Payload.IsEmpty ? 0 : SegmentParts.Payload) | (s.DuplicateOf == 0 ? 0 : SegmentParts.DuplicateOf);
        w.Byte((byte)parts);
        w.VarUInt((ulong)s.Id);
        w.UInt32(s.Source.Address);
        w.UInt16(s.Source.Port);
        w.UInt32(s.Destination.Address);
        w.UInt16(s.Destination.Port);
        w.UInt32(s.Seq.Value);
        w.UInt32(s.Ack.Value);
        w.Byte((byte)s.Flags);
        w.UInt16(s.Window);
        w.Byte((byte)s.Origin);
        if (s.UrgentPointer != 0)
        {
            w.UInt16(s.UrgentPointer);
        }
        if (s.Mss != 0)
        {
            w.UInt16(s.Mss);
        }
        if (s.DuplicateOf != 0)
        {
            w.VarUInt((ulong)s.DuplicateOf);
        }
        if (!s.Payload.IsEmpty)
        {
            w.Octets(s.Payload.Span);
        }
    }

    /// <summary>Decodes an event stored at position <paramref name="index"/> of its trace.</summary>
    /// <exception cref="FormatException">The bytes are not a v1 event encoding.</exception>
    public static LabEvent Decode(ReadOnlySpan<byte> bytes, long index)
    {
        var r = new Reader(bytes);
        var version = r.Byte();
        if (IsDigestVersion(version))
        {
            throw new FormatException("a digest encoding keeps only a digest of payloads: rebuild the event by replaying the command log");
        }
        if (version != Version)
        {
            throw new FormatException("unknown event encoding version");
        }
        var step = (long)r.VarUInt();
        var time = (long)r.VarUInt();
        var kind = (EventKind)r.Byte();
        var rule = (Rule)r.VarUInt();
        var common = r.Byte();
        var endpoint = common == 0xFF ? r.String() : common < CommonEndpoints.Length ? CommonEndpoints[common] : throw new FormatException("bad endpoint code");
        var parts = (Parts)r.Byte();
        var segment = (parts & Parts.Segment) != 0 ? ReadSegment(ref r) : null;
        TcpState? from = (parts & Parts.From) != 0 ? (TcpState)r.Byte() : null;
        TcpState? to = (parts & Parts.To) != 0 ? (TcpState)r.Byte() : null;
        TimerKind? timer = (parts & Parts.Timer) != 0 ? (TimerKind)r.Byte() : null;
        var due = (parts & Parts.Due) != 0 ? (long)r.VarUInt() : 0;
        long value = 0;
        if ((parts & Parts.Value) != 0)
        {
            var z = r.VarUInt();
            value = (long)(z >> 1) ^ -(long)(z & 1);
        }
        var data = (parts & Parts.Data) != 0 ? r.Bytes() : default;
        if (!r.AtEnd)
        {
            throw new FormatException("trailing bytes after the event");
        }
        if (!Enum.IsDefined(kind) || !Enum.IsDefined(rule))
        {
            throw new FormatException("unknown event kind or rule");
        }
        return new LabEvent
        {
            Index = index,
            Step = step,
            TimeUs = time,
            Kind = kind,
            Rule = rule,
            Endpoint = endpoint,
            Segment = segment,
            From = from,
            To = to,
            Timer = timer,
            DueUs = due,
            Value = value,
            Data = data,
        };
    }

    private static Segment ReadSegment(ref Reader r)
    {
        var parts = (SegmentParts)r.Byte();
        var id = (long)r.VarUInt();
        var src = new IpPort(r.UInt32(), r.UInt16());
        var dst = new IpPort(r.UInt32(), r.UInt16());
        var seq = new SeqNum(r.UInt32());
        var ack = new SeqNum(r.UInt32());
        var flags = (TcpFlags)r.Byte();
        var window = r.UInt16();
        var origin = (SegmentOrigin)r.Byte();
        var urgent = (parts & SegmentParts.Urgent) != 0 ? r.UInt16() : (ushort)0;
        var mss = (parts & SegmentParts.Mss) != 0 ? r.UInt16() : (ushort)0;
        var duplicateOf = (parts & SegmentParts.DuplicateOf) != 0 ? (long)r.VarUInt() : 0;
        var payload = (parts & SegmentParts.Payload) != 0 ? r.Bytes() : default;
        return new Segment
        {
            Id = id,
            Source = src,
            Destination = dst,
            Seq = seq,
            Ack = ack,
            Flags = flags,
            Window = window,
            UrgentPointer = urgent,
            Mss = mss,
            Payload = payload,
            Origin = origin,
            DuplicateOf = duplicateOf,
        };
    }

    private ref struct Writer(IBufferWriter<byte> output)
    {
        /// <summary>The encoding's version: in a digest version, payload octets are written as their length and digest.</summary>
        public byte Version { get; init; }

        /// <summary>Payload or data octets: in full, or as their length and digest.</summary>
        public readonly void Octets(ReadOnlySpan<byte> bytes)
        {
            if (Version == EventCodec.Version)
            {
                Bytes(bytes);
                return;
            }
            VarUInt((ulong)bytes.Length);
            UInt32(Version == FnvDigestVersion ? Fnv1a(bytes) : Crc32C(bytes));
        }

        private static uint Fnv1a(ReadOnlySpan<byte> bytes)
        {
            var hash = 2166136261u;
            foreach (var b in bytes)
            {
                hash = (hash ^ b) * 16777619u;
            }
            return hash;
        }

        /// <summary>CRC-32C (Castagnoli), as iSCSI and ext4 use it: all ones in, inverted out.</summary>
        private static uint Crc32C(ReadOnlySpan<byte> bytes)
        {
            var crc = uint.MaxValue;
            var i = 0;
            for (; i + 8 <= bytes.Length; i += 8)
            {
                crc = System.Numerics.BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]));
            }
            for (; i < bytes.Length; i++)
            {
                crc = System.Numerics.BitOperations.Crc32C(crc, bytes[i]);
            }
            return ~crc;
        }

        public readonly void Byte(byte b)
        {
            output.GetSpan(1)[0] = b;
            output.Advance(1);
        }

        public readonly void UInt16(ushort v)
        {
            BinaryPrimitives.WriteUInt16BigEndian(output.GetSpan(2), v);
            output.Advance(2);
        }

        public readonly void UInt32(uint v)
        {
            BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), v);
            output.Advance(4);
        }

        public readonly void VarUInt(ulong v)
        {
            var span = output.GetSpan(10);
            var i = 0;
            while (v >= 0x80)
            {
                span[i++] = (byte)(v | 0x80);
                v >>= 7;
            }
            span[i++] = (byte)v;
            output.Advance(i);
        }

        public readonly void Bytes(ReadOnlySpan<byte> bytes)
        {
            VarUInt((ulong)bytes.Length);
            bytes.CopyTo(output.GetSpan(bytes.Length));
            output.Advance(bytes.Length);
        }

        public readonly void String(string s) => Bytes(Encoding.UTF8.GetBytes(s));
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _pos;

        public readonly bool AtEnd => _pos == _bytes.Length;

        public byte Byte() => _pos < _bytes.Length ? _bytes[_pos++] : throw Truncated();

        public ushort UInt16()
        {
            var v = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            return v;
        }

        public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

        public ulong VarUInt()
        {
            ulong v = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Byte();
                v |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return v;
                }
            }
            throw new FormatException("varint too long");
        }

        public byte[] Bytes()
        {
            var length = VarUInt();
            return length > (ulong)(_bytes.Length - _pos) ? throw Truncated() : Take((int)length).ToArray();
        }

        public string String() => Encoding.UTF8.GetString(Bytes());

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n > _bytes.Length - _pos)
            {
                throw Truncated();
            }
            var span = _bytes.Slice(_pos, n);
            _pos += n;
            return span;
        }

        private static FormatException Truncated() => new("the event encoding is truncated");
    }
}
