using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Export;

public class NetstatViewTests
{
    [Fact]
    public void Established_pair_with_unread_and_unacked_data_lists_both_queues()
    {
        // The server's application does not read: its 5 octets wait in Recv-Q while the client's wait for an ACK.
        var lab = new TcpLab("rfc9293", new SessionConfig
        {
            Client = EndpointConfig.DefaultClient with { Isn = 1000 },
            Server = EndpointConfig.DefaultServer with { Isn = 5000, AutoRead = false },
        }).Listen().Connect().RunIdle().Send(Client, "hello").Step();
        Assert.Equal(
            """
            client (10.0.0.1)$ netstat -tan    # at 40 ms
            Active Internet connections (servers and established)
            Proto Recv-Q Send-Q Local Address           Foreign Address         State
            tcp        0      5 10.0.0.1:40000          10.0.0.2:80             ESTABLISHED

            server (10.0.0.2)$ netstat -tan    # at 40 ms
            Active Internet connections (servers and established)
            Proto Recv-Q Send-Q Local Address           Foreign Address         State
            tcp        0      0 10.0.0.2:80             0.0.0.0:*               LISTEN
            tcp        5      0 10.0.0.2:80             10.0.0.1:40000          ESTABLISHED

            """.ReplaceLineEndings("\n"),
            lab.Session.ExportNetstat());
    }

    [Fact]
    public void Syn_flood_shows_half_open_sockets_as_syn_recv()
    {
        var lab = new TcpLab("linux", new SessionConfig
        {
            Profile = "linux",
            Server = EndpointConfig.DefaultServer with { Backlog = 2, SynCookies = false },
        }).Listen();
        lab.Do(new SynFloodCommand(5));
        lab.Step(5);
        var server = lab.Session.ExportNetstat().Split("\n\n")[1].Split('\n');
        Assert.Equal(3, server.Count(l => l.EndsWith(" SYN_RECV", StringComparison.Ordinal)));
        Assert.Contains(server, l => l.EndsWith(" LISTEN", StringComparison.Ordinal));
        Assert.All(server.Where(l => l.EndsWith(" SYN_RECV", StringComparison.Ordinal)),
            l => Assert.StartsWith("tcp        0      0 10.0.0.2:80             198.1", l));
    }

    [Fact]
    public void Closed_sockets_are_not_listed_and_time_wait_is()
    {
        var lab = new TcpLab().Listen().Connect().RunIdle().Close(Client).RunIdle().Close(Server).RunIdle();
        var text = lab.Session.ExportNetstat();
        Assert.Contains("tcp        0      0 10.0.0.1:40000          10.0.0.2:80             TIME_WAIT\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("CLOSED", text, StringComparison.Ordinal);
        Assert.DoesNotContain("LAST_ACK", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Listener_recv_q_counts_connections_waiting_for_accept()
    {
        var lab = new TcpLab("linux", new SessionConfig
        {
            Profile = "linux",
            Server = EndpointConfig.DefaultServer with { AutoAccept = false },
        }).Listen().Connect().RunIdle();
        var text = lab.Session.ExportNetstat();
        Assert.Contains("tcp        1      0 10.0.0.2:80             0.0.0.0:*               LISTEN\n", text, StringComparison.Ordinal);
    }
}
