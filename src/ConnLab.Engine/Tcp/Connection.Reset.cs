using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Tcp;

internal sealed partial class Connection
{
    /// <summary>ABORT (RFC 9293 §3.10.5).</summary>
    public LabError? UserAbort()
    {
        switch (State)
        {
            case TcpState.SynSent:
                // "All queued SENDs and RECEIVEs should be given 'connection reset' notification; delete the TCB"
                // — no segment: the peer has nothing to reset yet.
                UserClosed = true;
                Delete(Rule.AbortInSynSent);
                return null;
            case TcpState.SynReceived or TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2 or TcpState.CloseWait:
                UserClosed = true;
                SendReset(Rule.UserAbort);
                _env.Record(EventKind.ConnectionReset, Name, Rule.UserAbort);
                Delete(Rule.UserAbort);
                return null;
            case TcpState.Closing or TcpState.LastAck or TcpState.TimeWait:
                // "Respond with 'ok' and delete the TCB": the peer is done already, no RST.
                UserClosed = true;
                Delete(Rule.AbortWhileClosing);
                return null;
            default:
                return LabError.DoesNotExist(Name, State);
        }
    }

    /// <summary>
    /// The reset of an abort: RFC 9293 §3.10.5 &lt;SEQ=SND.NXT&gt;&lt;CTL=RST&gt;, or Linux's RST,ACK with ACK = RCV.NXT
    /// (tcp_send_active_reset, trace e1).
    /// </summary>
    private void SendReset(Rule rule)
    {
        if (_p.AbortSendsRstAck)
        {
            Send(TcpFlags.Rst | TcpFlags.Ack, SndMax, RcvNxt, rule);
        }
        else
        {
            Send(TcpFlags.Rst, SndMax, default, rule);
        }
    }

    /// <summary>
    /// Second check, the RST bit (RFC 9293 §3.10.7.4 with RFC 5961 §3.2): only an RST at exactly RCV.NXT resets;
    /// one elsewhere in the window draws a challenge ACK.
    /// </summary>
    private void OnReset(Segment seg)
    {
        // Linux tcp_reset_check: after a FIN was received, RCV.NXT − 1 counts as exact too.
        var exact = seg.Seq == RcvNxt || (_finReceived && _p.RstAcceptsRcvNxtMinusOneAfterFin && seg.Seq == RcvNxt - 1);
        if (!exact)
        {
            ChallengeAck(seg, Rule.ChallengeAckRst);
            return;
        }
        switch (State)
        {
            case TcpState.SynReceived when PassiveOpen:
                // Figure 5 note 1: back to LISTEN when the connection came from a passive OPEN.
                Discard(seg, Rule.SynReceivedRstToListen);
                ReturnToListen(Rule.SynReceivedRstToListen);
                return;
            case TcpState.SynReceived:
                _env.Record(EventKind.ConnectionRefused, Name, Rule.SynReceivedRstRefused, seg);
                Delete(Rule.SynReceivedRstRefused);
                return;
            case TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2 or TcpState.CloseWait:
                _env.Record(EventKind.ConnectionReset, Name, Rule.RstResets, seg);
                Delete(Rule.RstResets);
                return;
            default: // CLOSING, LAST_ACK
                Delete(Rule.RstWhileClosing);
                return;
        }
    }

    /// <summary>RFC 5961 §3.2/§4.2/§5.2: answer with &lt;SEQ=SND.NXT&gt;&lt;ACK=RCV.NXT&gt;&lt;CTL=ACK&gt;, rate-limited on Linux (§7).</summary>
    private void ChallengeAck(Segment seg, Rule rule)
    {
        if (!InvalidAckAllowed())
        {
            _env.Record(EventKind.ChallengeAck, Name, Rule.ChallengeAckSuppressed, seg, value: _p.InvalidAckRateLimitMs);
            return;
        }
        _env.Record(EventKind.ChallengeAck, Name, rule, seg);
        SendAck(rule);
    }

    /// <summary>Deletes a TCB without a word on the wire (a half-open entry when its listener closes).</summary>
    public void Drop(Rule rule) => Delete(rule);
}
