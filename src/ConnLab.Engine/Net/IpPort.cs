using System.Globalization;

namespace ConnLab.Engine.Net;

/// <summary>An IPv4 address and a TCP port: one end of a connection's 4-tuple.</summary>
/// <param name="Address">The IPv4 address in host byte order (10.0.0.1 is 0x0A000001).</param>
/// <param name="Port">The TCP port.</param>
public readonly record struct IpPort(uint Address, ushort Port)
{
    // Every segment view and event names its two ends, and a session has few of them: a small per-thread cache turns
    // two formatted strings per segment into a lookup. Direct-mapped and bounded, so a spoofed SYN flood cannot grow it.
    [ThreadStatic]
    private static (IpPort Key, string? Text)[]? t_texts;

    /// <summary>Formats as <c>10.0.0.1:40000</c>.</summary>
    public override string ToString()
    {
        var texts = t_texts ??= new (IpPort, string?)[32];
        ref var slot = ref texts[(int)(((Address * 2654435761u) ^ Port) & 31)];
        if (slot.Text is null || slot.Key != this)
        {
            slot = (this, $"{FormatAddress(Address)}:{Port.ToString(CultureInfo.InvariantCulture)}");
        }
        return slot.Text!;
    }

    /// <summary>Formats an IPv4 address in dotted-quad form.</summary>
    public static string FormatAddress(uint address) => string.Create(CultureInfo.InvariantCulture,
        $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}");

    /// <summary>Parses a dotted-quad IPv4 address (no leading zeros beyond a lone 0, no spaces).</summary>
    public static bool TryParseAddress(string? text, out uint address)
    {
        address = 0;
        if (string.IsNullOrEmpty(text) || text.Length > 15)
        {
            return false;
        }
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0')
                || !byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var octet))
            {
                return false;
            }
            address = (address << 8) | octet;
        }
        return true;
    }

    /// <summary>Parses <c>address:port</c>.</summary>
    public static bool TryParse(string? text, out IpPort value)
    {
        value = default;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon <= 0)
        {
            return false;
        }
        if (!TryParseAddress(text![..colon], out var address)
            || !ushort.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return false;
        }
        value = new IpPort(address, port);
        return true;
    }
}

/// <summary>A connection's identity from one host's point of view (local, remote).</summary>
internal readonly record struct FourTuple(IpPort Local, IpPort Remote)
{
    public override int GetHashCode() =>
        HashCode.Combine(Local.Address, Local.Port, Remote.Address, Remote.Port);
}
