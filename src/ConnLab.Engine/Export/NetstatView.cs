using System.Globalization;
using System.Text;
using ConnLab.Engine.Lab;
using ConnLab.Engine.Tcp;

namespace ConnLab.Engine.Export;

/// <summary>
/// A <c>netstat -tan</c>-style listing of every socket, one table per host, as if netstat had been run on each
/// machine at the lab's current virtual time. State names are Linux's (<c>SYN_RECV</c>, <c>FIN_WAIT1</c>, …).
/// </summary>
/// <remarks>
/// Columns follow net-tools' format (<c>%-5s %6d %6d %-23s %-23s %s</c>). As in Linux's /proc/net/tcp, a listener's
/// Recv-Q is its accept-queue length; for other sockets Recv-Q is unread octets and Send-Q unacknowledged octets.
/// CLOSED sockets are not listed: the kernel has forgotten them.
/// </remarks>
public static class NetstatView
{
    private const string Header = "Proto Recv-Q Send-Q Local Address           Foreign Address         State";

    /// <summary>Renders the snapshot's sockets as <c>netstat -tan</c> prints them (Linux state names).</summary>
    public static string Render(SessionSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var text = new StringBuilder();
        var time = (snapshot.TimeUs / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
        foreach (var host in new[] { snapshot.Client, snapshot.Server })
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }
            text.Append(CultureInfo.InvariantCulture, $"{host.Host} ({host.Address})$ netstat -tan    # at {time} ms\n");
            text.Append("Active Internet connections (servers and established)\n");
            text.Append(Header).Append('\n');
            foreach (var socket in Order(snapshot.Sockets.Where(s => s.Host == host.Host && s.State != TcpState.Closed)))
            {
                AppendRow(text, socket);
            }
        }
        return text.ToString();
    }

    private static IEnumerable<EndpointView> Order(IEnumerable<EndpointView> sockets) => sockets
        .OrderBy(s => s.State == TcpState.Listen ? 0 : 1)
        .ThenBy(s => s.Port)
        .ThenBy(s => s.Remote, StringComparer.Ordinal);

    private static void AppendRow(StringBuilder text, EndpointView socket)
    {
        // A listener's view carries its accept queue as ReceiveQueue and its backlog as SendQueue (ss's columns);
        // netstat reads /proc/net/tcp, where a listener's tx_queue is 0.
        var recvQ = socket.ReceiveQueue;
        var sendQ = socket.State == TcpState.Listen ? 0 : socket.SendQueue;
        var local = $"{socket.Address}:{socket.Port.ToString(CultureInfo.InvariantCulture)}";
        var foreign = socket.Remote ?? "0.0.0.0:*";
        text.Append(CultureInfo.InvariantCulture, $"tcp   {recvQ,6} {sendQ,6} {local,-23} {foreign,-23} {socket.State.ToLinuxName()}\n");
    }
}
