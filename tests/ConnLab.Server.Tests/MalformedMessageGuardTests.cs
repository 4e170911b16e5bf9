using System.IO.Pipelines;
using ConnLab.Server.Grpc;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ConnLab.Server.Tests;

/// <summary>The guard that reads a gRPC request ahead of grpc-dotnet, when the request never fully arrives.</summary>
public sealed class MalformedMessageGuardTests
{
    /// <summary>A request body that fails as Kestrel's does when the HTTP/2 connection drops mid-message.</summary>
    private sealed class DroppedBody(Exception failure) : PipeReader
    {
        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => ValueTask.FromException<ReadResult>(failure);
        public override bool TryRead(out ReadResult result) => throw failure;
        public override void AdvanceTo(SequencePosition consumed) { }
        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) { }
        public override void CancelPendingRead() { }
        public override void Complete(Exception? exception = null) { }
    }

    private sealed class TrailersFeature : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }

    private static (MalformedMessageGuard Guard, Func<bool> NextRan) Guard()
    {
        var ran = false;
        var guard = new MalformedMessageGuard(_ =>
        {
            ran = true;
            return Task.CompletedTask;
        }, Options.Create(new GrpcServiceOptions()), NullLogger<MalformedMessageGuard>.Instance);
        return (guard, () => ran);
    }

    private static DefaultHttpContext Call(Exception failure)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        http.Request.Path = "/connlab.v1.LabControl/Step";
        http.Request.ContentType = "application/grpc";
        http.Request.Protocol = "HTTP/2";
        http.Features.Set<IHttpResponseTrailersFeature>(new TrailersFeature());
        http.Features.Set<IRequestBodyPipeFeature>(new RequestBodyPipeFeature(new DroppedBody(failure)));
        return http;
    }

    private sealed class RequestBodyPipeFeature(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    [Fact]
    public async Task Connection_dropped_mid_message_ends_the_call_quietly_before_request_aborted_fires()
    {
        var (guard, nextRan) = Guard();
        var http = Call(new IOException("The request stream was aborted.", new ConnectionAbortedException("The HTTP/2 connection faulted.")));
        Assert.False(http.RequestAborted.IsCancellationRequested);

        await guard.InvokeAsync(http); // before the fix this threw, and the exception handler logged a server error

        Assert.False(nextRan());
    }

    [Fact]
    public async Task A_body_kestrel_refuses_is_left_to_grpc_dotnet_to_answer()
    {
        var (guard, nextRan) = Guard();
        var http = Call(new BadHttpRequestException("Reading the request body timed out due to data arriving too slowly.", StatusCodes.Status408RequestTimeout));

        await guard.InvokeAsync(http);

        Assert.True(nextRan());
    }
}
