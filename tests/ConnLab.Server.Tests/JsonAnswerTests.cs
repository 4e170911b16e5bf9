using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ConnLab.Engine.Export;
using ConnLab.Engine.Lab;
using ConnLab.Server.Api;
using ConnLab.Server.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ConnLab.Server.Tests;

/// <summary>How command answers are written: the generated serialiser's fast path, with the bytes the framework wrote before.</summary>
public sealed class JsonAnswerTests : IDisposable
{
    private readonly LabFactory _factory = new();

    /// <summary>What ASP.NET Core's Ok&lt;T&gt; wrote with: web defaults, nulls left out, JavaScriptEncoder.Default, reflection metadata.</summary>
    private static readonly JsonSerializerOptions FrameworkOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.Default,
    };

    public void Dispose() => _factory.Dispose();

    private async Task<CommandView> AnswerWithPayloadAndEscapedText()
    {
        var lab = _factory.Services.GetRequiredService<LabService>();
        var created = (await lab.CreateAsync("answer", new SessionConfig { Profile = "linux" }, "handshake", "test", default)).Value!;
        await lab.ExecuteAsync(created.Host.Id, created.Token, new RunCommand(), default);
        await lab.ExecuteAsync(created.Host.Id, created.Token,
            new EndpointCommand(EndpointRole.Client, EndpointAction.Send, Encoding.UTF8.GetBytes("héllo <§> \"wörld\"")), default);
        var o = (await lab.ExecuteAsync(created.Host.Id, created.Token, new StepCommand(4), default)).Value!;
        return new CommandView(o.Events.Select(EventView.Of).ToList(), SessionView.From(o.Host, o.Snapshot), CommandCodec.Name(o.Stop));
    }

    [Fact]
    public async Task A_command_answer_has_the_bytes_the_framework_serialiser_wrote_with_its_default_escaping()
    {
        var view = await AnswerWithPayloadAndEscapedText();
        Assert.Contains(view.Events, e => e.Segment?.PayloadBase64 is { Length: > 0 });
        var expected = JsonSerializer.SerializeToUtf8Bytes(view, FrameworkOptions);

        var answer = JsonOk.Of(view);
        Assert.True(answer.Buffered);
        var (status, contentType, body) = await Write(answer);

        Assert.Equal(200, status);
        Assert.Equal("application/json; charset=utf-8", contentType);
        Assert.Equal(Encoding.UTF8.GetString(expected), body);
        Assert.Contains("\\u00A7", body, StringComparison.OrdinalIgnoreCase); // § escaped as before
    }

    [Fact]
    public async Task A_long_answer_is_streamed_with_the_same_bytes_instead_of_buffered_whole()
    {
        var view = await AnswerWithPayloadAndEscapedText();
        var events = Enumerable.Repeat(view.Events, JsonOk.MostBufferedItems / view.Events.Count + 1).SelectMany(e => e).ToList();
        var longRun = view with { Events = events };

        var answer = JsonOk.Of(longRun);
        Assert.False(answer.Buffered);
        var (status, contentType, body) = await Write(answer);

        Assert.Equal(200, status);
        Assert.Equal("application/json; charset=utf-8", contentType);
        Assert.Equal(JsonSerializer.Serialize(longRun, FrameworkOptions), body);
    }

    private async Task<(int Status, string? ContentType, string Body)> Write<T>(JsonOk<T> answer)
    {
        var http = new DefaultHttpContext { RequestServices = _factory.Services };
        using var body = new MemoryStream();
        http.Response.Body = body;
        await answer.ExecuteAsync(http);
        return (http.Response.StatusCode, http.Response.ContentType, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Theory]
    [InlineData(typeof(CommandView))]
    [InlineData(typeof(SessionView))]
    [InlineData(typeof(EventPageView))]
    [InlineData(typeof(Hubs.WatchAnswer))]
    public void Answers_written_with_the_http_options_come_from_the_generated_serialiser_and_can_use_its_fast_path(Type type)
    {
        var options = _factory.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var typeInfo = options.GetTypeInfo(type);
        Assert.Same(LabJson.Default, typeInfo.OriginatingResolver);
        // System.Text.Json keeps the generated fast path for options it judges compatible with the generation options
        // (an explicit encoder is not); the flag is internal, so this reads it by name.
        var canUse = typeInfo.GetType().GetProperty("CanUseSerializeHandler", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
        Assert.NotNull(canUse);
        Assert.Equal(true, canUse.GetValue(typeInfo));
    }
}
