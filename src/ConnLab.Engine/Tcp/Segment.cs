using System.Globalization;
using ConnLab.Engine.Net;

namespace ConnLab.Engine.Tcp;

/// <summary>Why a segment was put on the wire: the ladder diagram marks each kind differently.</summary>
public enum SegmentOrigin : byte
{
    /// <summary>Sent by a TCP endpoint for the first time.</summary>
    Original,
    /// <summary>Sent again by a TCP endpoint because a timer or duplicate ACKs said it was lost.</summary>
    Retransmission,
    /// <summary>A copy made by the link (random duplication or an explicit duplicate command).</summary>
    Duplicate,
    /// <summary>Crafted by hand and injected, as hping3 or scapy would (includes SYN-flood segments).</summary>
    Injected,
    /// <summary>A zero-window probe sent by the persist timer.</summary>
    WindowProbe,
}

/// <summary>One TCP segment on the simulated wire. Immutable once sent.</summary>
/// <remarks>
/// The payload is a view over the sender's stream and is never copied; SYN and FIN each consume one
/// sequence number, so <see cref="SeqLength"/> = payload + SYN + FIN (RFC 9293 §3.4).
/// </remarks>
public sealed record Segment
{
    /// <summary>Session-unique id, assigned in the order segments are put on the wire (from 1).</summary>
    public required long Id { get; init; }

    /// <summary>Source address and port.</summary>
    public required IpPort Source { get; init; }

    /// <summary>Destination address and port.</summary>
    public required IpPort Destination { get; init; }

    /// <summary>Sequence number of the first octet (or of the SYN).</summary>
    public required SeqNum Seq { get; init; }

    /// <summary>Acknowledgment number; significant only with <see cref="TcpFlags.Ack"/> (0 otherwise).</summary>
    public SeqNum Ack { get; init; }

    /// <summary>Control bits.</summary>
    public required TcpFlags Flags { get; init; }

    /// <summary>The 16-bit window field (no window scaling is modelled, so it is the window in octets).</summary>
    public ushort Window { get; init; }

    /// <summary>Urgent pointer; significant only with <see cref="TcpFlags.Urg"/>.</summary>
    public ushort UrgentPointer { get; init; }

    /// <summary>The MSS option (kind 2), or 0 when the segment carries none. Only SYNs carry it.</summary>
    public ushort Mss { get; init; }

    /// <summary>The payload octets.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>Why the segment is on the wire.</summary>
    public SegmentOrigin Origin { get; init; }

    /// <summary>For a duplicate, the id of the segment it copies; otherwise 0.</summary>
    public long DuplicateOf { get; init; }

    /// <summary>Payload length in octets (the <c>len</c> that tcpdump prints).</summary>
    public int Length => Payload.Length;

    /// <summary>SEG.LEN: octets occupied in sequence space, counting SYN and FIN.</summary>
    public int SeqLength => Payload.Length + ((Flags & TcpFlags.Syn) != 0 ? 1 : 0) + ((Flags & TcpFlags.Fin) != 0 ? 1 : 0);

    /// <summary>True if every bit in <paramref name="flags"/> is set.</summary>
    public bool Has(TcpFlags flags) => (Flags & flags) == flags;

    /// <summary>A one-line summary such as <c>SYN,ACK seq=5000 ack=1001 win=65535 len=0</c>.</summary>
    public string Describe() => new SegmentSummary(this).ToString();
}

/// <summary>
/// A segment's one-line summary (<c>SYN,ACK seq=5000 ack=1001 win=65535 len=0</c>, or <c>a segment</c> for none) that
/// string interpolation writes in place: every event's explanation quotes its segment, and building the summary as a
/// string of its own first cost four allocations per event.
/// </summary>
/// <param name="segment">The segment, or null.</param>
public readonly struct SegmentSummary(Segment? segment) : ISpanFormattable
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{this}");

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        var s = segment;
        var inv = CultureInfo.InvariantCulture;
        return s is null ? destination.TryWrite(inv, $"a segment", out charsWritten)
            : s.Has(TcpFlags.Ack)
                ? destination.TryWrite(inv, $"{TcpFlagNames.ToLabel(s.Flags)} seq={s.Seq} ack={s.Ack} win={s.Window} len={s.Length}", out charsWritten)
                : destination.TryWrite(inv, $"{TcpFlagNames.ToLabel(s.Flags)} seq={s.Seq} win={s.Window} len={s.Length}", out charsWritten);
    }
}
