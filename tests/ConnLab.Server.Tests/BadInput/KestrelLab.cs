using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ConnLab.Server.Sessions;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Server.Tests.BadInput;

/// <summary>
/// A ConnLab server on real Kestrel (the body limit, client addresses and HTTP/2 are transport matters), HTTP and gRPC
/// on ephemeral 127.0.0.1 ports. Clients can come from any loopback address (127.0.0.2, …): the server tells clients
/// apart by their remote address, as it does in production.
/// </summary>
public sealed class KestrelLab : IDisposable
{
    /// <summary>The request body limit the bad-input servers run with (the product default is 2 MiB).</summary>
    public const int BodyLimit = 64 * 1024;

    private readonly LabFactory _factory;

    public KestrelLab(Dictionary<string, string?>? settings = null)
    {
        HttpUrl = $"http://127.0.0.1:{FreePorts.Next()}";
        GrpcUrl = $"http://127.0.0.1:{FreePorts.Next()}";
        var all = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = HttpUrl,
            ["Kestrel:Endpoints:Grpc:Url"] = GrpcUrl,
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Limits:MaxRequestBodySize"] = BodyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ConnLab:AdminKey"] = AdminKey,
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }
        _factory = new LabFactory(settings: all);
        _factory.UseKestrel();
        _factory.StartServer();
        Channel = GrpcChannel.ForAddress(GrpcUrl, new GrpcChannelOptions { MaxSendMessageSize = null, MaxReceiveMessageSize = null });
    }

    public const string AdminKey = "test-admin-key";

    public string HttpUrl { get; }
    public string GrpcUrl { get; }
    public GrpcChannel Channel { get; }
    public IServiceProvider Services => _factory.Services;
    public LabService Lab => Services.GetRequiredService<LabService>();

    /// <summary>Sessions on the server, whoever owns them.</summary>
    public int SessionCount => Lab.List("", admin: true).Count;

    /// <summary>Commands in a session's log (a refused call must not add one).</summary>
    public int CommandCount(string id) => Lab.Find(id)?.Session.Commands.Count ?? -1;

    /// <summary>An HTTP client whose connections come from <paramref name="localAddress"/> (any 127.x.y.z on Linux).</summary>
    public HttpClient Client(string localAddress = "127.0.0.1") => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = new Uri(HttpUrl) };

    /// <summary>Creates a session over REST from <paramref name="http"/>'s address.</summary>
    public static async Task<(string Id, string Token)> Create(HttpClient http, object? body = null)
    {
        var response = await http.PostAsJsonAsync("/api/sessions", body ?? new { scenario = "handshake" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var created = JsonNode.Parse(text)!;
        return (created["session"]!["id"]!.GetValue<string>(), created["token"]!.GetValue<string>());
    }

    public void Dispose()
    {
        Channel.Dispose();
        _factory.Dispose();
    }
}
