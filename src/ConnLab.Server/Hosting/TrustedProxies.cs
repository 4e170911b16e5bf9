using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace ConnLab.Server.Hosting;

/// <summary><c>ConnLab:TrustedProxies</c>: behind a reverse proxy, the client is whoever the proxy says it is.</summary>
internal static class TrustedProxies
{
    /// <summary>Forwarded-header handling for the configured proxies, or null when none is trusted.</summary>
    public static ForwardedHeadersOptions? Options(string trustedProxies)
    {
        var entries = trustedProxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0)
        {
            return null;
        }
        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var entry in entries)
        {
            if (entry.Contains('/', StringComparison.Ordinal) && System.Net.IPNetwork.TryParse(entry, out var network))
            {
                options.KnownIPNetworks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                options.KnownProxies.Add(address);
            }
            else
            {
                throw new InvalidOperationException($"ConnLab:TrustedProxies: '{entry}' is neither an IP address nor a CIDR network");
            }
        }
        return options;
    }
}
