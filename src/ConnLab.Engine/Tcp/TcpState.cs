namespace ConnLab.Engine.Tcp;

/// <summary>The eleven connection states of RFC 9293 §3.3.2 (Figure 5).</summary>
public enum TcpState
{
    /// <summary>No connection state at all (the "fictional" state: no TCB).</summary>
    Closed,
    /// <summary>Waiting for a connection request from any remote TCP and port.</summary>
    Listen,
    /// <summary>Waiting for a matching connection request after having sent one.</summary>
    SynSent,
    /// <summary>Waiting for a confirming acknowledgment after having both received and sent a connection request.</summary>
    SynReceived,
    /// <summary>An open connection: data received can be delivered to the user.</summary>
    Established,
    /// <summary>Waiting for a termination request from the remote TCP, or an acknowledgment of the one sent.</summary>
    FinWait1,
    /// <summary>Waiting for a connection termination request from the remote TCP.</summary>
    FinWait2,
    /// <summary>Waiting for a connection termination request from the local user.</summary>
    CloseWait,
    /// <summary>Waiting for a connection termination request acknowledgment from the remote TCP.</summary>
    Closing,
    /// <summary>Waiting for an acknowledgment of the termination request previously sent (which included an acknowledgment of the remote FIN).</summary>
    LastAck,
    /// <summary>Waiting 2·MSL so the remote TCP surely received the acknowledgment of its termination request.</summary>
    TimeWait,
}

/// <summary>State names as the public contract, RFC 9293 and Linux spell them.</summary>
public static class TcpStateNames
{
    private static readonly string[] Contract =
    [
        "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
        "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
    ];

    // net-tools netstat prints these (tcp_state[] in netstat.c): SYN_RECV, FIN_WAIT1, FIN_WAIT2.
    private static readonly string[] Linux =
    [
        "CLOSE", "LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
        "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
    ];

    private static readonly string[] Rfc =
    [
        "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
        "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
    ];

    /// <summary>The contract's name, e.g. <c>SYN_RECEIVED</c>.</summary>
    public static string ToName(this TcpState state) => Contract[(int)state];

    /// <summary>The name netstat prints on Linux, e.g. <c>SYN_RECV</c>.</summary>
    public static string ToLinuxName(this TcpState state) => Linux[(int)state];

    /// <summary>The name RFC 9293 prints, e.g. <c>SYN-RECEIVED</c>.</summary>
    public static string ToRfcName(this TcpState state) => Rfc[(int)state];

    /// <summary>True for the synchronized states (RFC 9293 §3.5: every state after the handshake).</summary>
    public static bool IsSynchronized(this TcpState state) => state >= TcpState.Established;

    /// <summary>Parses a state name in any of the three spellings (case-insensitive).</summary>
    public static bool TryParse(string? name, out TcpState state)
    {
        if (name is not null)
        {
            for (var i = 0; i < Contract.Length; i++)
            {
                if (name.Equals(Contract[i], StringComparison.OrdinalIgnoreCase)
                    || name.Equals(Linux[i], StringComparison.OrdinalIgnoreCase)
                    || name.Equals(Rfc[i], StringComparison.OrdinalIgnoreCase))
                {
                    state = (TcpState)i;
                    return true;
                }
            }
        }
        state = TcpState.Closed;
        return false;
    }

    /// <summary>Every contract name, in enum order.</summary>
    public static IReadOnlyList<string> All => Contract;
}
