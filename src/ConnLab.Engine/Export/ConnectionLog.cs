using System.Text;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Net;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Export;

/// <summary>
/// What a network monitor would write in its connection log for the capture (<c>trace.pcap</c>): Zeek's
/// <c>conn_state</c> and <c>history</c> per connection, kept up to date incrementally as the trace grows.
/// </summary>
/// <remarks>
/// A connection is a 4-tuple; its originator is the sender of the first SYN (or, with no SYN seen, of the first
/// segment). A new SYN on a tuple whose connection has ended starts a new entry, as port reuse does in Zeek. History
/// letters (upper case from the originator, lower case from the responder) are recorded once per direction, in the
/// order first seen: S SYN, H SYN+ACK, A pure ACK, D data, F FIN, R RST, T retransmitted data, W zero window.
/// A SYN flood would otherwise grow the list without bound, so after <see cref="MaxOtherConnections"/> connections
/// that are not between the pair's two endpoints, further ones are not tracked.
/// </remarks>
internal sealed class ConnectionLog
{
    /// <summary>Most connections tracked besides the ones between the client and the server endpoints.</summary>
    public const int MaxOtherConnections = 100;

    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<(IpPort, IpPort), Entry> _open = [];
    private readonly IpPort _client;
    private readonly IpPort _server;
    private int _next;
    private int _others;

    public ConnectionLog(IpPort client, IpPort server)
    {
        _client = client;
        _server = server;
    }

    /// <summary>Reads the events not read yet and returns the summaries, first seen first.</summary>
    /// <remarks>Locked: snapshots are read-only to callers, who may take them while no command runs but concurrently.</remarks>
    public IReadOnlyList<ConnectionSummary> Update(IReadOnlyList<LabEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_gate)
        {
            for (; _next < events.Count; _next++)
            {
                var e = events[_next];
                if (e.Segment is { } s && e.Kind is EventKind.SegmentSent or EventKind.SegmentDuplicated)
                {
                    Observe(s);
                }
            }
            return _entries.ConvertAll(static e => e.Summarize());
        }
    }

    private void Observe(Segment s)
    {
        var key = Before(s.Source, s.Destination) ? (s.Source, s.Destination) : (s.Destination, s.Source);
        var opening = s.Has(TcpFlags.Syn) && !s.Has(TcpFlags.Ack);
        if (!_open.TryGetValue(key, out var entry) || (opening && entry.Ended))
        {
            var pair = key == (_client, _server) || key == (_server, _client);
            if (!pair && _others == MaxOtherConnections)
            {
                return;
            }
            _others += pair ? 0 : 1;
            // A capture that starts with a SYN-ACK has missed the SYN: its sender is the responder (Zeek flips too).
            var synAck = s.Has(TcpFlags.Syn | TcpFlags.Ack);
            entry = synAck ? new Entry(s.Destination, s.Source) : new Entry(s.Source, s.Destination);
            _open[key] = entry;
            _entries.Add(entry);
        }
        entry.Add(s);
    }

    private static bool Before(IpPort a, IpPort b) => a.Address != b.Address ? a.Address < b.Address : a.Port < b.Port;

    private sealed class Entry(IpPort originator, IpPort responder)
    {
        private readonly StringBuilder _history = new();
        private Side _orig;
        private Side _resp;

        /// <summary>True once the connection has finished (both FINs, or a RST), so a new SYN is a new connection.</summary>
        public bool Ended => _orig.Rst || _resp.Rst || (_orig.Fin && _resp.Fin);

        public void Add(Segment s)
        {
            var fromOriginator = s.Source == originator;
            ref var side = ref fromOriginator ? ref _orig : ref _resp;
            if (s.Has(TcpFlags.Syn))
            {
                Mark(ref side, s.Has(TcpFlags.Ack) ? 'H' : 'S', fromOriginator);
                side.Syn |= !s.Has(TcpFlags.Ack);
                side.SynAck |= s.Has(TcpFlags.Ack);
            }
            if (s.Has(TcpFlags.Fin))
            {
                Mark(ref side, 'F', fromOriginator);
                side.Fin = true;
            }
            if (s.Has(TcpFlags.Rst))
            {
                Mark(ref side, 'R', fromOriginator);
                side.Rst = true;
            }
            if (s.Length > 0)
            {
                Mark(ref side, s.Origin == SegmentOrigin.Retransmission ? 'T' : 'D', fromOriginator);
            }
            else if ((s.Flags & ~TcpFlags.Psh) == TcpFlags.Ack)
            {
                Mark(ref side, 'A', fromOriginator);
            }
            if (s.Window == 0 && !s.Has(TcpFlags.Rst))
            {
                Mark(ref side, 'W', fromOriginator);
            }
        }

        private void Mark(ref Side side, char letter, bool fromOriginator)
        {
            var bit = 1 << (letter - 'A');
            if ((side.Letters & bit) == 0)
            {
                side.Letters |= bit;
                _history.Append(fromOriginator ? letter : char.ToLowerInvariant(letter));
            }
        }

        public ConnectionSummary Summarize()
        {
            var (state, meaning) = Classify();
            return new ConnectionSummary
            {
                Originator = originator.ToString(),
                Responder = responder.ToString(),
                ConnState = state,
                Meaning = meaning,
                History = _history.ToString(),
            };
        }

        /// <summary>Zeek's conn_state, decided as its connection summary does.</summary>
        private (string, string) Classify()
        {
            var attempted = _orig.Syn;
            var answered = _resp.SynAck || _resp.Syn;
            var established = attempted && answered;
            return (_orig, _resp) switch
            {
                _ when _resp.Rst && attempted && !answered => ("REJ", "connection attempt rejected: the SYN was answered with a RST"),
                _ when _orig.Rst && attempted && !answered => ("RSTOS0", "the originator sent a SYN and then a RST; no SYN-ACK was seen"),
                _ when _resp.Rst && !attempted && _resp.SynAck => ("RSTRH", "the responder sent a SYN-ACK and then a RST; no SYN was seen"),
                _ when _orig.Rst && established => ("RSTO", "established, then the originator aborted with a RST"),
                _ when _resp.Rst && established => ("RSTR", "established, then the responder aborted with a RST"),
                _ when established && _orig.Fin && _resp.Fin => ("SF", "normal establishment and termination"),
                _ when established && _orig.Fin => ("S2", "established; the originator closed, no FIN from the responder yet"),
                _ when established && _resp.Fin => ("S3", "established; the responder closed, no FIN from the originator yet"),
                _ when established => ("S1", "established, not yet terminated"),
                _ when attempted && _orig.Fin => ("SH", "the originator sent a SYN and then a FIN; no SYN-ACK was seen (half-open)"),
                _ when attempted => ("S0", "connection attempt seen, no reply"),
                _ when _resp.SynAck && _resp.Fin => ("SHR", "the responder sent a SYN-ACK and then a FIN; no SYN was seen"),
                _ => ("OTH", "no SYN seen, just midstream traffic"),
            };
        }
    }

    private struct Side
    {
        public bool Syn;
        public bool SynAck;
        public bool Fin;
        public bool Rst;
        public int Letters;
    }
}
