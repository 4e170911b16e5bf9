using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Collections.Frozen;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Options;

namespace ConnLab.Server.Grpc;

/// <summary>
/// Answers a request message that is not valid protobuf with INVALID_ARGUMENT naming the message type. grpc-dotnet
/// parses the message before any service code or interceptor runs and reports a parse failure as UNKNOWN ("Exception
/// was thrown by handler"), the gRPC face of a 500; so the single framed message of a ConnLab call is parsed here first.
/// Compressed, truncated or oversized bodies are left to grpc-dotnet, which already answers those precisely.
/// </summary>
internal sealed partial class MalformedMessageGuard(RequestDelegate next, IOptions<GrpcServiceOptions> grpc, ILogger<MalformedMessageGuard> log)
{
    private static readonly FrozenDictionary<string, MessageDescriptor> Inputs =
        new[] { ConnLab.Contracts.V1.LabReflection.Descriptor, ConnLab.Contracts.V1.WorkshopReflection.Descriptor }
            .SelectMany(file => file.Services)
            // Only calls whose request is one message: a client stream's body is never complete before the call starts.
            .SelectMany(service => service.Methods.Where(m => !m.IsClientStreaming).Select(m => (Path: $"/{service.FullName}/{m.Name}", m.InputType)))
            .ToFrozenDictionary(m => m.Path, m => m.InputType, StringComparer.Ordinal);

    private readonly long _limit = (grpc.Value.MaxReceiveMessageSize ?? 4 << 20) + 5L;

    public async Task InvokeAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method)
            || http.Request.Path.Value is not { } path
            || !Inputs.TryGetValue(path, out var input)
            || http.Request.ContentType is not { } type
            || !type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase)
            || !http.Response.SupportsTrailers())
        {
            await next(http).ConfigureAwait(false);
            return;
        }
        var reader = http.Request.BodyReader;
        ReadResult result;
        try
        {
            while (true)
            {
                result = await reader.ReadAsync(http.RequestAborted).ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled || result.Buffer.Length > _limit)
                {
                    break;
                }
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End); // peek: the whole body stays for grpc-dotnet
            }
        }
        catch (BadHttpRequestException)
        {
            // A body Kestrel refuses (too slow, over a limit): grpc-dotnet meets the same on its own read and answers it.
            await next(http).ConfigureAwait(false);
            return;
        }
        catch (IOException e)
        {
            // The client reset the stream or the connection dropped mid-message: there is no one to answer. Kestrel
            // cancels RequestAborted on a thread-pool turn of its own, so this read can fail first, and unhandled, the
            // exception handler would log an ordinary disconnect as a server error (seen under load at h2load's end).
            LogAborted(http.Request.Path.Value, e.Message);
            return;
        }
        var problem = result.IsCompleted ? Check(result.Buffer, input) : null;
        reader.AdvanceTo(result.Buffer.Start);
        if (problem is null)
        {
            await next(http).ConfigureAwait(false);
            return;
        }
        GrpcRefusal.Write(http, global::Grpc.Core.StatusCode.InvalidArgument, problem, ("field", "request"));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A gRPC call to {Path} ended before its request arrived: {Reason}")]
    private partial void LogAborted(string? path, string reason);

    /// <summary>Why the one framed message is not a valid <paramref name="input"/>, or null if it is (or is not ours to judge).</summary>
    private static string? Check(ReadOnlySequence<byte> body, MessageDescriptor input)
    {
        if (body.Length < 5)
        {
            return null;
        }
        Span<byte> header = stackalloc byte[5];
        body.Slice(0, 5).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (header[0] != 0 || length != body.Length - 5)
        {
            return null; // compressed, truncated or several messages: grpc-dotnet's own checks apply
        }
        try
        {
            input.Parser.ParseFrom(body.Slice(5));
            return null;
        }
        catch (InvalidProtocolBufferException e)
        {
            return $"the request is not a valid {input.FullName} message: {e.Message}";
        }
    }
}
