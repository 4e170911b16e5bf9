using ConnLab.Server.Hosting;
using Microsoft.Extensions.Configuration;

namespace ConnLab.Server.Tests;

public sealed class StartupLineTests
{
    private static IConfiguration Kestrel(params (string Name, string Url, string? Protocols)[] endpoints) =>
        new ConfigurationBuilder().AddInMemoryCollection(endpoints.SelectMany(e => new[]
        {
            new KeyValuePair<string, string?>($"Kestrel:Endpoints:{e.Name}:Url", e.Url),
            new KeyValuePair<string, string?>($"Kestrel:Endpoints:{e.Name}:Protocols", e.Protocols),
        })).Build();

    [Fact]
    public void The_http2_only_endpoint_is_announced_as_grpc_and_the_http_one_as_the_dashboard()
    {
        var config = Kestrel(("Http", "http://127.0.0.1:5080", null), ("Grpc", "http://127.0.0.1:5081", "Http2"));

        Assert.True(LabHosting.IsHttp2Only(config, "http://127.0.0.1:5081"));
        Assert.False(LabHosting.IsHttp2Only(config, "http://127.0.0.1:5080"));
    }

    [Fact]
    public void An_endpoint_serving_http1_as_well_is_announced_as_the_dashboard()
    {
        var config = Kestrel(("Both", "http://127.0.0.1:5080", "Http1AndHttp2"));

        Assert.False(LabHosting.IsHttp2Only(config, "http://127.0.0.1:5080"));
    }

    [Fact]
    public void Addresses_not_in_the_kestrel_endpoints_and_ephemeral_ports_are_announced_as_the_dashboard()
    {
        var config = Kestrel(("Grpc", "http://127.0.0.1:0", "Http2"));

        Assert.False(LabHosting.IsHttp2Only(config, "http://127.0.0.1:0"));
        Assert.False(LabHosting.IsHttp2Only(config, "http://127.0.0.1:41234"));
        Assert.False(LabHosting.IsHttp2Only(Kestrel(), "http://localhost:5000"));
        Assert.False(LabHosting.IsHttp2Only(config, "not a url"));
    }
}
