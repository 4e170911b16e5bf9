using System.Globalization;

namespace ConnLab.Engine.Tcp;

/// <summary>
/// A TCP sequence or acknowledgment number: 32 bits, compared modulo 2^32 (RFC 9293 §3.4).
/// </summary>
/// <remarks>
/// Ordering is circular, as in Linux's <c>before()</c>/<c>after()</c> (include/net/tcp.h):
/// <c>a &lt; b</c> iff <c>(int)(a - b) &lt; 0</c>. So 4294967295 + 1 == 0 and 10 is after 4294967290.
/// The relation is only meaningful for numbers less than 2^31 apart, which the window guarantees.
/// </remarks>
public readonly record struct SeqNum(uint Value) : ISpanFormattable
{
    /// <summary>Moves forward by <paramref name="n"/> octets, wrapping at 2^32.</summary>
    public static SeqNum operator +(SeqNum a, int n) => new(unchecked(a.Value + (uint)n));

    /// <summary>Moves forward by <paramref name="n"/> octets, wrapping at 2^32.</summary>
    public static SeqNum operator +(SeqNum a, uint n) => new(unchecked(a.Value + n));

    /// <summary>Moves back by <paramref name="n"/> octets, wrapping at 2^32.</summary>
    public static SeqNum operator -(SeqNum a, int n) => new(unchecked(a.Value - (uint)n));

    /// <summary>The signed distance from <paramref name="b"/> to <paramref name="a"/> (a − b mod 2^32, as an int).</summary>
    public static int operator -(SeqNum a, SeqNum b) => unchecked((int)(a.Value - b.Value));

    /// <summary>True if <paramref name="a"/> comes before <paramref name="b"/> in sequence space.</summary>
    public static bool operator <(SeqNum a, SeqNum b) => unchecked((int)(a.Value - b.Value)) < 0;

    /// <summary>True if <paramref name="a"/> comes after <paramref name="b"/> in sequence space.</summary>
    public static bool operator >(SeqNum a, SeqNum b) => unchecked((int)(b.Value - a.Value)) < 0;

    /// <summary>True if <paramref name="a"/> is before or equal to <paramref name="b"/>.</summary>
    public static bool operator <=(SeqNum a, SeqNum b) => !(a > b);

    /// <summary>True if <paramref name="a"/> is after or equal to <paramref name="b"/>.</summary>
    public static bool operator >=(SeqNum a, SeqNum b) => !(a < b);

    /// <summary>True if <c>low ≤ this ≤ high</c> modulo 2^32 (Linux <c>between(seq, low, high)</c>).</summary>
    public bool IsBetween(SeqNum low, SeqNum high) => unchecked(high.Value - low.Value >= Value - low.Value);

    /// <summary>True if <c>low ≤ this &lt; low + length</c>: inside a window that starts at <paramref name="low"/>.</summary>
    public bool IsInWindow(SeqNum low, uint length) => unchecked(Value - low.Value) < length;

    /// <summary>The later of two sequence numbers.</summary>
    public static SeqNum Max(SeqNum a, SeqNum b) => a > b ? a : b;

    /// <summary>The earlier of two sequence numbers.</summary>
    public static SeqNum Min(SeqNum a, SeqNum b) => a < b ? a : b;

    /// <inheritdoc />
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    /// <remarks>Lets explanations and labels write the number in place instead of through a string per number.</remarks>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        Value.TryFormat(destination, out charsWritten, default, CultureInfo.InvariantCulture);
}
