using System.Buffers;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;

namespace ConnLab.Server.Persistence;

/// <summary>
/// The events one command produced, stored as one row: each event's digest encoding (<see cref="EventCodec.EncodeDigest(LabEvent)"/>)
/// prefixed by its length as a LEB128 varint. One row per command rather than per event keeps the write path at
/// two rows per command, whatever the command did.
/// </summary>
public static class EventChunk
{
    /// <summary>Encodes a run of events.</summary>
    public static byte[] Encode(IReadOnlyList<LabEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var buffer = new ArrayBufferWriter<byte>(events.Count * 48);
        foreach (var e in events)
        {
            var encoded = EventCodec.EncodeDigest(e);
            var length = (uint)encoded.Length;
            do
            {
                var b = (byte)(length & 0x7F);
                length >>= 7;
                buffer.Write([length == 0 ? b : (byte)(b | 0x80)]);
            }
            while (length != 0);
            buffer.Write(encoded);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Splits a stored chunk back into its events' encodings.</summary>
    /// <exception cref="InvalidDataException">The chunk is truncated or malformed.</exception>
    public static List<byte[]> Split(ReadOnlySpan<byte> chunk)
    {
        var events = new List<byte[]>();
        var at = 0;
        while (at < chunk.Length)
        {
            var length = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (at >= chunk.Length || shift > 28)
                {
                    throw new InvalidDataException("truncated event chunk");
                }
                var b = chunk[at++];
                length |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }
            if (length > chunk.Length - at)
            {
                throw new InvalidDataException("truncated event chunk");
            }
            events.Add(chunk.Slice(at, length).ToArray());
            at += length;
        }
        return events;
    }
}
