using ConnLab.Engine.Net;

namespace ConnLab.Engine.Tcp;

/// <summary>
/// SYN cookies as Linux computes them (net/ipv4/syncookies.c, secure_tcp_syn_cookie): the listener keeps no state
/// for the SYN and encodes what it must remember into its ISS.
/// </summary>
/// <remarks>
/// <code>
///  cookie = H1(4-tuple) + client ISN + (count &lt;&lt; 24) + ((H2(4-tuple, count) + mss index) mod 2^24)
/// </code>
/// count is a clock that ticks every 60 s (tcp_cookie_time); a cookie is valid while count − cookie's count &lt; 2
/// (MAX_SYNCOOKIE_AGE). The MSS travels as an index into msstab = {536, 1300, 1440, 1460}.
/// </remarks>
internal static class SynCookie
{
    private const int CookieBits = 24;
    private const uint CookieMask = (1u << CookieBits) - 1;
    private const long PeriodUs = 60_000_000;     // TCP_SYNCOOKIE_PERIOD = 60 s
    private const uint MaxAge = 2;                // MAX_SYNCOOKIE_AGE

    /// <summary>How long after the last SYN-queue overflow returning cookies are still checked (TCP_SYNCOOKIE_VALID).</summary>
    public const long ValidityUs = MaxAge * PeriodUs;

    /// <summary>msstab[] from net/ipv4/syncookies.c.</summary>
    public static ReadOnlySpan<ushort> MssTable => [536, 1300, 1440, 1460];

    /// <summary>The largest table entry not above the client's MSS (as cookie_v4_init_sequence picks mssind).</summary>
    public static int MssIndexFor(int clientMss)
    {
        var table = MssTable;
        var i = table.Length - 1;
        while (i > 0 && clientMss < table[i])
        {
            i--;
        }
        return i;
    }

    public static uint Make(ITcpEffects env, IpPort local, IpPort remote, SeqNum clientIsn, int mssIndex)
    {
        var count = (uint)(env.NowUs / PeriodUs);
        var h1 = env.CookieHash(local, remote, 0, 0);
        var h2 = env.CookieHash(local, remote, count, 1);
        return unchecked(h1 + clientIsn.Value + (count << CookieBits) + ((h2 + (uint)mssIndex) & CookieMask));
    }

    /// <summary>The MSS encoded in a valid cookie, or 0 if the cookie is forged or expired.</summary>
    public static int Check(ITcpEffects env, IpPort local, IpPort remote, SeqNum clientIsn, uint cookie)
    {
        var count = (uint)(env.NowUs / PeriodUs);
        var h1 = env.CookieHash(local, remote, 0, 0);
        var v = unchecked(cookie - h1 - clientIsn.Value);
        var diff = unchecked(count - (v >> CookieBits)) & (uint.MaxValue >> CookieBits);
        if (diff >= MaxAge)
        {
            return 0;
        }
        var h2 = env.CookieHash(local, remote, count - diff, 1);
        var index = unchecked(v - h2) & CookieMask;
        return index < (uint)MssTable.Length ? MssTable[(int)index] : 0;
    }
}
