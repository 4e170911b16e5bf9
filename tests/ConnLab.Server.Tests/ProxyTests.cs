using System.Net;
using ConnLab.Server.Hosting;

namespace ConnLab.Server.Tests;

/// <summary>Behind a reverse proxy, quotas and rate limits count the client the proxy names, and only for trusted proxies.</summary>
public sealed class ProxyTests
{
    private static async Task<List<HttpStatusCode>> Statuses(string trusted, params string[] forwardedFor)
    {
        var address = $"http://127.0.0.1:{FreePorts.Next()}";
        using var factory = new LabFactory(settings: new()
        {
            ["Kestrel:Endpoints:Http:Url"] = address,
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["ConnLab:RequestsPerMinutePerClient"] = "2",
            ["ConnLab:TrustedProxies"] = trusted,
        });
        factory.UseKestrel();
        factory.StartServer();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        var statuses = new List<HttpStatusCode>();
        foreach (var client in forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/sessions");
            request.Headers.Add("X-Forwarded-For", client);
            statuses.Add((await http.SendAsync(request)).StatusCode);
        }
        return statuses;
    }

    [Fact]
    public async Task A_trusted_proxy_s_forwarded_client_gets_its_own_rate_limit()
    {
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK],
            await Statuses("127.0.0.1", "203.0.113.1", "203.0.113.1", "203.0.113.1", "198.51.100.7"));
    }

    [Fact]
    public async Task Forwarded_headers_from_an_untrusted_peer_are_ignored()
    {
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests],
            await Statuses("", "203.0.113.1", "203.0.113.1", "203.0.113.1", "198.51.100.7"));
    }

    [Fact]
    public void Trusted_proxies_take_addresses_and_networks_and_refuse_anything_else()
    {
        var options = TrustedProxies.Options("10.0.0.0/8, 127.0.0.1")!;
        Assert.Equal([IPAddress.Loopback], options.KnownProxies);
        Assert.Equal("10.0.0.0/8", Assert.Single(options.KnownIPNetworks).ToString());
        Assert.Null(TrustedProxies.Options(" "));
        var refused = Assert.Throws<InvalidOperationException>(() => TrustedProxies.Options("proxy.local"));
        Assert.Contains("'proxy.local'", refused.Message, StringComparison.Ordinal);
    }
}
