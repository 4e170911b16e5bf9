namespace ConnLab.Engine.Tcp;

/// <summary>The six TCP control bits, with their values in the header's flags octet (RFC 9293 §3.1).</summary>
[Flags]
#pragma warning disable CA1028 // The header stores them in one octet; byte is the honest type.
public enum TcpFlags : byte
#pragma warning restore CA1028
{
    /// <summary>No control bit.</summary>
    None = 0,
    /// <summary>No more data from sender; consumes one sequence number.</summary>
    Fin = 0x01,
    /// <summary>Synchronize sequence numbers; consumes one sequence number.</summary>
    Syn = 0x02,
    /// <summary>Reset the connection.</summary>
    Rst = 0x04,
    /// <summary>Push function.</summary>
    Psh = 0x08,
    /// <summary>The acknowledgment field is significant.</summary>
    Ack = 0x10,
    /// <summary>The urgent pointer field is significant.</summary>
    Urg = 0x20,
}

/// <summary>Names of TCP flags as the public contract writes them: upper case, in header order.</summary>
public static class TcpFlagNames
{
    // Header order, most significant first: URG ACK PSH RST SYN FIN (architecture §3).
    private static readonly (TcpFlags Flag, string Name)[] Order =
    [
        (TcpFlags.Urg, "URG"), (TcpFlags.Ack, "ACK"), (TcpFlags.Psh, "PSH"),
        (TcpFlags.Rst, "RST"), (TcpFlags.Syn, "SYN"), (TcpFlags.Fin, "FIN"),
    ];

    private static readonly string[][] Cache = BuildCache();

    /// <summary>The flags set in <paramref name="flags"/>, in header order, e.g. <c>["ACK","SYN"]</c>.</summary>
    /// <remarks>Returns a shared array per combination: callers must not modify it.</remarks>
    public static IReadOnlyList<string> ToNames(TcpFlags flags) => Cache[(int)flags & 0x3F];

    /// <summary>A compact label such as <c>SYN,ACK</c> (the order tcpdump and textbooks use: SYN and FIN first).</summary>
    public static string ToLabel(TcpFlags flags) => Labels[(int)flags & 0x3F];

    private static string Label(TcpFlags flags)
    {
        if (flags == TcpFlags.None)
        {
            return "none";
        }
        Span<char> buffer = stackalloc char[32];
        var length = 0;
        foreach (var (flag, name) in LabelOrder)
        {
            if ((flags & flag) == 0)
            {
                continue;
            }
            if (length > 0)
            {
                buffer[length++] = ',';
            }
            name.AsSpan().CopyTo(buffer[length..]);
            length += name.Length;
        }
        return new string(buffer[..length]);
    }

    private static readonly (TcpFlags Flag, string Name)[] LabelOrder =
    [
        (TcpFlags.Syn, "SYN"), (TcpFlags.Fin, "FIN"), (TcpFlags.Rst, "RST"),
        (TcpFlags.Psh, "PSH"), (TcpFlags.Ack, "ACK"), (TcpFlags.Urg, "URG"),
    ];

    // Every explanation and ladder label names its segment's flags: the 64 combinations are spelled once.
    private static readonly string[] Labels = [.. Enumerable.Range(0, 64).Select(f => Label((TcpFlags)f))];

    /// <summary>Parses one flag name (case-insensitive).</summary>
    public static bool TryParse(string name, out TcpFlags flag)
    {
        foreach (var (f, n) in Order)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                flag = f;
                return true;
            }
        }
        flag = TcpFlags.None;
        return false;
    }

    private static string[][] BuildCache()
    {
        var cache = new string[64][];
        for (var bits = 0; bits < 64; bits++)
        {
            var names = new List<string>(6);
            foreach (var (flag, name) in Order)
            {
                if ((bits & (int)flag) != 0)
                {
                    names.Add(name);
                }
            }
            cache[bits] = [.. names];
        }
        return cache;
    }
}
