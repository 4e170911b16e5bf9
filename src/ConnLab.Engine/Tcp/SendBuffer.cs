namespace ConnLab.Engine.Tcp;

/// <summary>
/// The octets a user has sent, as one append-only stream. Segments carry slices of it, never copies: bytes once
/// written are never changed, so a slice stays valid after the buffer grows or compacts into a new array.
/// </summary>
/// <remarks>Stream offset 0 is sequence number ISS + 1 (the SYN occupies ISS).</remarks>
internal sealed class SendBuffer
{
    private byte[] _bytes = [];
    private long _base;   // stream offset of _bytes[0]
    private int _count;   // valid octets in _bytes

    /// <summary>Total octets ever queued (the stream's end offset).</summary>
    public long End => _base + _count;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_count + data.Length > _bytes.Length)
        {
            var grown = new byte[Math.Max(Math.Max(_count + data.Length, _bytes.Length * 2), 256)];
            _bytes.AsSpan(0, _count).CopyTo(grown);
            _bytes = grown;
        }
        data.CopyTo(_bytes.AsSpan(_count));
        _count += data.Length;
    }

    /// <summary>A view of <paramref name="length"/> octets from stream offset <paramref name="offset"/>.</summary>
    public ReadOnlyMemory<byte> Slice(long offset, int length) =>
        new(_bytes, checked((int)(offset - _base)), length);

    /// <summary>Forgets octets before <paramref name="offset"/> (acknowledged) once they are most of the array.</summary>
    public void Release(long offset)
    {
        var drop = (int)Math.Min(offset - _base, _count);
        if (drop < 16 * 1024 || drop < _count / 2)
        {
            return;
        }
        // A new array, not an in-place shift: in-flight segments may still point into the old one.
        var kept = new byte[Math.Max(_count - drop, 256)];
        _bytes.AsSpan(drop, _count - drop).CopyTo(kept);
        _bytes = kept;
        _base += drop;
        _count -= drop;
    }
}
