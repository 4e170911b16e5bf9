using ConnLab.Engine.Net;

namespace ConnLab.Engine.Tests.Net;

public class IpPortTests
{
    [Fact]
    public void To_string_is_dotted_quad_and_port()
    {
        Assert.Equal("10.0.0.1:40000", new IpPort(0x0A000001, 40000).ToString());
        Assert.Equal("255.255.255.255:65535", new IpPort(uint.MaxValue, ushort.MaxValue).ToString());
        Assert.Equal("0.0.0.0:0", default(IpPort).ToString());
    }

    [Fact]
    public void To_string_stays_right_when_many_addresses_share_the_formatting_cache()
    {
        // A spoofed flood's sources: far more addresses than cache slots, each formatted several times, interleaved.
        var addresses = Enumerable.Range(0, 500).Select(i => new IpPort(0xC6336400u + (uint)i, (ushort)(1024 + i * 7))).ToList();
        for (var round = 0; round < 3; round++)
        {
            foreach (var a in addresses)
            {
                Assert.Equal($"198.51.{(a.Address >> 8) & 0xFF}.{a.Address & 0xFF}:{a.Port}", a.ToString());
                Assert.True(IpPort.TryParse(a.ToString(), out var back) && back == a);
            }
        }
    }
}
