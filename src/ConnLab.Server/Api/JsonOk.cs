using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace ConnLab.Server.Api;

/// <summary>
/// A 200 answer whose JSON is written in one synchronous pass into the response, so that the source-generated
/// serialiser (<see cref="LabJson"/>) runs its fast path. ASP.NET Core's <c>Ok&lt;T&gt;</c> writes through
/// System.Text.Json's streaming path, which allows the fast path only while no answer of the type has exceeded half of
/// <c>DefaultBufferSize</c> (8 KB); a session snapshot alone is ~7 KB, so command answers always took the slower
/// metadata-driven path (measured: a profile of the REST step load spent 23 % of the server's CPU there). Same options,
/// same bytes, same OpenAPI metadata as <c>Ok&lt;T&gt;</c>. One pass buffers the whole answer in the response pipe, so
/// an answer of more than <see cref="JsonOk.MostBufferedItems"/> items (a long run's events, a whole trace: up to
/// hundreds of MB) takes the streaming path, which flushes as it goes.
/// </summary>
public sealed class JsonOk<T> : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>
{
    internal JsonOk(T value, bool buffered)
    {
        Value = value;
        Buffered = buffered;
    }

    /// <summary>Written in one pass (fast path), not streamed.</summary>
    internal bool Buffered { get; }

    /// <inheritdoc />
    public T Value { get; }

    object? IValueHttpResult.Value => Value;

    /// <inheritdoc />
    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var options = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var typeInfo = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        if (!Buffered)
        {
            await response.WriteAsJsonAsync(Value, typeInfo, "application/json; charset=utf-8", httpContext.RequestAborted).ConfigureAwait(false);
            return;
        }
        response.ContentType = "application/json; charset=utf-8";
        // The writer options the serialiser would derive from these options, so the bytes are those Ok<T> writes.
        using (var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions
               {
                   Encoder = options.Encoder,
                   Indented = options.WriteIndented,
                   IndentCharacter = options.IndentCharacter,
                   IndentSize = options.IndentSize,
                   NewLine = options.NewLine,
                   MaxDepth = options.MaxDepth,
                   SkipValidation = true,
               }))
        {
            JsonSerializer.Serialize(writer, Value, typeInfo);
        }
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
    }
}

/// <summary>Makes <see cref="JsonOk{T}"/> answers.</summary>
public static class JsonOk
{
    /// <summary>Most list items (events, segments, sockets: each up to ~2 KB of JSON) an answer written in one pass holds.</summary>
    public const int MostBufferedItems = 2000;

    /// <summary>A 200 answer carrying <paramref name="value"/>, which holds about <paramref name="items"/> list items.</summary>
    public static JsonOk<T> Of<T>(T value, int items) => new(value, items <= MostBufferedItems);

    /// <summary>A command's answer: its events and the session's lists.</summary>
    internal static JsonOk<CommandView> Of(CommandView view) => Of(view, view.Events.Count + Items(view.Session));

    /// <summary>A session's snapshot.</summary>
    internal static JsonOk<SessionView> Of(SessionView view) => Of(view, Items(view));

    /// <summary>A trace (the dashboard's first read): streamed once it is long.</summary>
    internal static JsonOk<Hubs.WatchAnswer> Of(Hubs.WatchAnswer answer) => Of(answer, answer.Events.Count + Items(answer.Session));

    private static int Items(SessionView s) => s.Sockets.Count + s.InFlight.Count + s.Timers.Count + s.Connections.Count;
}
