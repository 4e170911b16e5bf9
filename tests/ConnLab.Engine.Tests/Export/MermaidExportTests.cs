using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tests.Support;
using static ConnLab.Engine.Tests.Support.TcpLab;

namespace ConnLab.Engine.Tests.Export;

public class MermaidExportTests
{
    [Fact]
    public void Handshake_is_a_ladder_of_three_arrows_with_state_notes()
    {
        var lab = new TcpLab().Listen().Connect().RunIdle();
        Assert.Equal(
            """
            sequenceDiagram
                participant C as client 10.0.0.1:40000
                participant S as server 10.0.0.2:80
                Note over S: CLOSED → LISTEN
                Note over C: CLOSED → SYN_SENT
                C->>S: [0 ms] SYN seq=1000 win=65535 len=0 mss=1460
                Note over S: LISTEN → SYN_RECEIVED
                S->>C: [10 ms] SYN,ACK seq=5000 ack=1001 win=65535 len=0 mss=1460
                Note over C: SYN_SENT → ESTABLISHED
                C->>S: [20 ms] ACK seq=1001 ack=5001 win=65535 len=0
                Note over S: SYN_RECEIVED → ESTABLISHED

            """.ReplaceLineEndings("\n"),
            lab.Session.ExportMermaid());
    }

    [Fact]
    public void Lost_syn_is_a_crossed_arrow_then_a_timer_note_and_a_retransmission()
    {
        var lab = new TcpLab().Listen().Connect().DropInFlight().Step();
        var lines = lab.Session.ExportMermaid().Split('\n');
        Assert.Contains("    C-xS: [0 ms] SYN seq=1000 win=65535 len=0 mss=1460", lines);
        Assert.Contains("    Note over C: [1000 ms] retransmission timer fired", lines);
        Assert.Contains("    C-)S: [1000 ms] SYN seq=1000 win=65535 len=0 mss=1460 (retransmission)", lines);
    }

    [Fact]
    public void A_flood_is_cut_at_the_arrow_limit_with_a_summary_note()
    {
        var lab = new TcpLab("linux").Listen();
        lab.Do(new SynFloodCommand(MermaidExport.MaxSegments + 20));
        var text = lab.Session.ExportMermaid();
        Assert.Contains("    participant X as other hosts\n", text, StringComparison.Ordinal);
        Assert.Equal(MermaidExport.MaxSegments, text.Split('\n').Count(l => l.StartsWith("    X-)S", StringComparison.Ordinal)));
        Assert.EndsWith("    Note over C,S: … 20 more segments (the whole capture is in trace.pcap)\n", text, StringComparison.Ordinal);
    }
}
