using System.Net;
using System.Net.Sockets;

namespace ConnLab.Testing;

/// <summary>Loopback ports for servers on real Kestrel or child processes (tests bind 127.0.0.1 only); linked into each test project.</summary>
/// <remarks>
/// Not the kernel's "any free port" (bind to 0): that comes from the ephemeral range, which outgoing connections draw
/// from too, so between this check and Kestrel's bind a test client's socket could take it ("address already in use"
/// in one CI run). Ports below the ephemeral range (Linux: 32768 and up) only ever go to listeners.
/// </remarks>
internal static class FreePorts
{
    private const int First = 20_000;
    private const int Count = 12_000;
    private static int s_next = Random.Shared.Next(Count); // a different start per test process

    /// <summary>A port no one listens on right now, and no outgoing connection will take.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = First + (Interlocked.Increment(ref s_next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // taken: try the next one
            }
        }
        throw new InvalidOperationException($"no free loopback port in {First}-{First + Count - 1}");
    }
}
