namespace ConnLab.Server.Tests;

/// <summary>Loopback ports for servers on real Kestrel (tests bind 127.0.0.1 only).</summary>
internal static class FreePorts
{
    /// <summary>A port no one listens on right now.</summary>
    public static int Next()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
