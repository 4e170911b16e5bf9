namespace ConnLab.Engine.Tcp;

/// <summary>
/// The octets a user has sent, as one stream built from the user's writes without copying them. Each write is an
/// immutable buffer (the session's command log owns it), so segments carry slices of it, never copies, and a slice
/// stays valid after the octets are acknowledged and released. Only a segment that spans two writes needs a buffer
/// of its own.
/// </summary>
/// <remarks>Stream offset 0 is sequence number ISS + 1 (the SYN occupies ISS).</remarks>
internal sealed class SendBuffer
{
    private readonly List<ReadOnlyMemory<byte>> _chunks = [];
    private readonly List<long> _starts = []; // stream offset of each chunk's first octet
    private int _first;  // first chunk not yet released
    private int _cursor; // chunk of the last slice: segments are mostly cut in stream order

    /// <summary>Total octets ever queued (the stream's end offset).</summary>
    public long End { get; private set; }

    /// <summary>Queues a write. The buffer must never change afterwards: segments will point into it.</summary>
    public void Append(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }
        _chunks.Add(data);
        _starts.Add(End);
        End += data.Length;
    }

    /// <summary>A view of <paramref name="length"/> octets from stream offset <paramref name="offset"/>.</summary>
    public ReadOnlyMemory<byte> Slice(long offset, int length)
    {
        if (length == 0)
        {
            return default;
        }
        var i = Find(offset);
        var within = (int)(offset - _starts[i]);
        if (within + length <= _chunks[i].Length)
        {
            return _chunks[i].Slice(within, length);
        }
        var joined = new byte[length];
        var copied = 0;
        for (; copied < length; i++, within = 0)
        {
            var take = Math.Min(_chunks[i].Length - within, length - copied);
            _chunks[i].Span.Slice(within, take).CopyTo(joined.AsSpan(copied));
            copied += take;
        }
        return joined;
    }

    /// <summary>Forgets writes wholly before <paramref name="offset"/> (acknowledged).</summary>
    public void Release(long offset)
    {
        while (_first < _chunks.Count && _starts[_first] + _chunks[_first].Length <= offset)
        {
            _chunks[_first++] = default;
        }
        if (_first >= 1024 && _first * 2 >= _chunks.Count)
        {
            _chunks.RemoveRange(0, _first);
            _starts.RemoveRange(0, _first);
            _cursor = Math.Max(0, _cursor - _first);
            _first = 0;
        }
    }

    private int Find(long offset)
    {
        if (_cursor < _first || _cursor >= _chunks.Count || offset < _starts[_cursor])
        {
            var i = _starts.BinarySearch(_first, _chunks.Count - _first, offset, null);
            _cursor = i >= 0 ? i : ~i - 1;
        }
        while (_cursor + 1 < _chunks.Count && _starts[_cursor + 1] <= offset)
        {
            _cursor++;
        }
        return _cursor;
    }
}
