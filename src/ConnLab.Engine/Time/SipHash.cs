using System.Buffers.Binary;

namespace ConnLab.Engine.Time;

/// <summary>
/// SipHash-2-4 over a few 64-bit words: the keyed hash behind ISNs (RFC 6528's F()) and SYN cookies, as Linux
/// uses siphash in <c>secure_tcp_seq()</c> and <c>cookie_hash()</c>. The key comes from the session seed.
/// </summary>
internal readonly struct SipHash(ulong k0, ulong k1)
{
    public static SipHash FromSeed(ulong seed, ulong purpose)
    {
        var state = seed ^ (purpose * 0xD6E8FEB86659FD93UL);
        return new SipHash(SeededRandom.SplitMix(ref state), SeededRandom.SplitMix(ref state));
    }

    public ulong Hash(ulong a, ulong b = 0, ulong c = 0)
    {
        Span<byte> buffer = stackalloc byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, a);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[8..], b);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[16..], c);
        return Compute(buffer);
    }

    private ulong Compute(ReadOnlySpan<byte> data)
    {
        ulong v0 = 0x736f6d6570736575UL ^ k0, v1 = 0x646f72616e646f6dUL ^ k1;
        ulong v2 = 0x6c7967656e657261UL ^ k0, v3 = 0x7465646279746573UL ^ k1;
        var blocks = data.Length / 8;
        for (var i = 0; i < blocks; i++)
        {
            var m = BinaryPrimitives.ReadUInt64LittleEndian(data[(i * 8)..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }
        var last = (ulong)data.Length << 56;
        var tail = data[(blocks * 8)..];
        for (var i = 0; i < tail.Length; i++)
        {
            last |= (ulong)tail[i] << (8 * i);
        }
        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;
        v2 ^= 0xff;
        for (var i = 0; i < 4; i++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = ulong.RotateLeft(v1, 13); v1 ^= v0; v0 = ulong.RotateLeft(v0, 32);
        v2 += v3; v3 = ulong.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = ulong.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = ulong.RotateLeft(v1, 17); v1 ^= v2; v2 = ulong.RotateLeft(v2, 32);
    }
}
