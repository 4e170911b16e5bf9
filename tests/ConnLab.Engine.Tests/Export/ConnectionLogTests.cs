using ConnLab.Engine.Lab;
using ConnLab.Engine.Export;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Export;

public class ConnectionLogTests
{
    private static ConnectionSummary Only(TcpLab lab) => Assert.Single(lab.Session.Snapshot().Connections);

    [Fact]
    public void Handshake_alone_is_s1()
    {
        var c = Only(new TcpLab().Listen().Connect().RunIdle());
        Assert.Equal(("10.0.0.1:40000", "10.0.0.2:80", "S1", "ShA"), (c.Originator, c.Responder, c.ConnState, c.History));
    }

    [Fact]
    public void Full_exchange_and_teardown_is_sf_with_zeeks_history()
    {
        var c = Only(new TcpLab().Listen().Connect().RunIdle().Send(Client, "hi").RunIdle().Send(Server, "yo").RunIdle()
            .Close(Client).RunIdle().Close(Server).RunIdle());
        Assert.Equal(("SF", "ShADadFf"), (c.ConnState, c.History));
    }

    [Fact]
    public void Originator_close_alone_is_s2_and_responder_close_alone_is_s3()
    {
        Assert.Equal("S2", Only(new TcpLab().Listen().Connect().RunIdle().Close(Client).RunIdle()).ConnState);
        Assert.Equal("S3", Only(new TcpLab().Listen().Connect().RunIdle().Close(Server).RunIdle()).ConnState);
    }

    [Fact]
    public void Syn_to_a_closed_port_is_rej()
    {
        var c = Only(new TcpLab().Connect().RunIdle());
        Assert.Equal(("REJ", "Sr"), (c.ConnState, c.History));
    }

    [Fact]
    public void Unanswered_syn_is_s0()
    {
        var c = Only(new TcpLab().Connect().DropInFlight().Step().DropInFlight());
        Assert.Equal(("S0", "S"), (c.ConnState, c.History));
    }

    [Fact]
    public void Abort_after_establishment_is_rsto_and_from_the_server_rstr()
    {
        Assert.Equal("RSTO", Only(new TcpLab().Listen().Connect().RunIdle().Abort(Client).RunIdle()).ConnState);
        Assert.Equal("RSTR", Only(new TcpLab().Listen().Connect().RunIdle().Abort(Server).RunIdle()).ConnState);
    }

    [Fact]
    public void Retransmitted_data_adds_t()
    {
        var lab = new TcpLab().Listen().Connect().RunIdle().Send(Client, "lost").DropInFlight().RunIdle();
        Assert.Equal("ShADTa", Only(lab).History);
    }

    [Fact]
    public void Reusing_the_tuple_after_a_finished_connection_starts_a_new_entry()
    {
        var lab = new TcpLab().Connect().RunIdle().Listen().Connect().RunIdle();
        var all = lab.Session.Snapshot().Connections;
        Assert.Equal(["REJ", "S1"], all.Select(c => c.ConnState));
    }

    [Fact]
    public void A_flood_tracks_the_pair_and_at_most_a_hundred_other_connections()
    {
        var lab = new TcpLab("linux").Listen();
        lab.Do(new SynFloodCommand(300));
        lab.Connect().RunIdle();
        var all = lab.Session.Snapshot().Connections;
        Assert.Equal(101, all.Count);
        Assert.Single(all, c => c.Originator == "10.0.0.1:40000");
        Assert.All(all.Where(c => c.Originator != "10.0.0.1:40000"), c => Assert.StartsWith("S", c.History, StringComparison.Ordinal));
    }
}
