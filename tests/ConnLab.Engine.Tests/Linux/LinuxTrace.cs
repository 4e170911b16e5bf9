using System.Globalization;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Tests.Linux;

/// <summary>One packet of a capture, reduced to what a sequence diagram shows: who, flags, relative seq/ack, length.</summary>
internal sealed record Packet(string Who, string Flags, long Seq, long Ack, int Len, double TimeMs)
{
    public string Shape => $"{Who} {Flags} seq={Seq} ack={Ack} len={Len}";
}

/// <summary>
/// Reads the captures in shared/reference/linux-traces (the tshark field dumps) and turns both them and a
/// simulated session into comparable packet lists: sequence numbers relative to each side's ISN, flags as a
/// sorted set of letters (S A P F R), the side named by the role it plays.
/// </summary>
internal static class LinuxTrace
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Linux", "Traces");

    /// <summary>Loads NAME.timed.txt; the client is the port that sent the first SYN (or <paramref name="clientPort"/>).</summary>
    public static List<Packet> Load(string name, int? clientPort = null)
    {
        var lines = File.ReadAllLines(Path.Combine(Folder, name + ".timed.txt")).Skip(1).Where(l => l.Length > 0).ToList();
        var rows = lines.Select(l => l.Split('\t')).Select(f => (
            Time: double.Parse(f[1], CultureInfo.InvariantCulture) * 1000,
            Src: int.Parse(f[3], CultureInfo.InvariantCulture),
            Flags: Letters(f[6]),
            Seq: long.Parse(f[7], CultureInfo.InvariantCulture),
            Ack: long.Parse(f[8], CultureInfo.InvariantCulture),
            Len: int.Parse(f[9], CultureInfo.InvariantCulture))).ToList();
        var client = clientPort ?? rows.First(r => r.Flags == "S").Src;
        var raw = rows.Select(r => (Who: r.Src == client ? "client" : "server", r.Flags, r.Seq, r.Ack, r.Len, r.Time)).ToList();
        return Relativize(raw);
    }

    /// <summary>The simulated session's wire, in the same form.</summary>
    public static List<Packet> FromSession(LabSession session)
    {
        var raw = session.Events
            .Where(e => e.Kind is EventKind.SegmentSent or EventKind.SegmentDuplicated && e.Rule != Rule.DelayedByUser)
            .Select(e => (Who: e.Segment!.Source.Port == session.Config.Client.Port ? "client" : "server",
                Flags: Letters(e.Segment.Flags), Seq: (long)e.Segment.Seq.Value, Ack: (long)e.Segment.Ack.Value, Len: e.Segment.Length, Time: e.TimeMs))
            .ToList();
        return Relativize(raw);
    }

    private static List<Packet> Relativize(List<(string Who, string Flags, long Seq, long Ack, int Len, double Time)> raw)
    {
        var isn = new Dictionary<string, long>();
        foreach (var r in raw.Where(r => r.Flags.Contains('S', StringComparison.Ordinal)))
        {
            isn.TryAdd(r.Who, r.Seq);
        }
        long Rel(string who, long value) => isn.TryGetValue(who, out var i) ? (uint)(value - i) : value;
        var t0 = raw.Count > 0 ? raw[0].Time : 0;
        return raw.Select(r => new Packet(r.Who, r.Flags,
            r.Flags.Contains('R', StringComparison.Ordinal) && r.Seq == 0 ? 0 : Rel(r.Who, r.Seq),
            r.Flags.Contains('A', StringComparison.Ordinal) ? Rel(r.Who == "client" ? "server" : "client", r.Ack) : 0,
            r.Len, r.Time - t0)).ToList();
    }

    private static string Letters(string tsharkFlags) =>
        new(tsharkFlags.Where(c => c is 'S' or 'A' or 'P' or 'F' or 'R').OrderBy(c => "SAPFR".IndexOf(c, StringComparison.Ordinal)).ToArray());

    private static string Letters(TcpFlags flags) => string.Concat(
        (flags & TcpFlags.Syn) != 0 ? "S" : "", (flags & TcpFlags.Ack) != 0 ? "A" : "", (flags & TcpFlags.Psh) != 0 ? "P" : "",
        (flags & TcpFlags.Fin) != 0 ? "F" : "", (flags & TcpFlags.Rst) != 0 ? "R" : "");
}
