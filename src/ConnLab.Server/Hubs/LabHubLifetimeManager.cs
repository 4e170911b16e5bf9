using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace ConnLab.Server.Hubs;

/// <summary>
/// SignalR's default in-memory lifetime manager for <see cref="LabHub"/>, which also keeps each connection's
/// <see cref="HubConnectionContext"/> so <see cref="WatchRegistry"/> can write to one watcher without waiting for the
/// others (a group send waits for its slowest member).
/// </summary>
public sealed class LabHubLifetimeManager(ILogger<DefaultHubLifetimeManager<LabHub>> logger, WatchRegistry watchers)
    : DefaultHubLifetimeManager<LabHub>(logger)
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new(StringComparer.Ordinal);

    /// <summary>The open connection with this id, if any.</summary>
    public HubConnectionContext? Connection(string connectionId) => _connections.GetValueOrDefault(connectionId);

    /// <inheritdoc />
    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connections[connection.ConnectionId] = connection;
        return base.OnConnectedAsync(connection);
    }

    /// <inheritdoc />
    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connections.TryRemove(connection.ConnectionId, out _);
        watchers.Disconnected(connection.ConnectionId);
        return base.OnDisconnectedAsync(connection);
    }
}
