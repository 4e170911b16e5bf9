using System.Threading.RateLimiting;
using ConnLab.Server.Api;
using ConnLab.Server.Persistence;
using ConnLab.Server.Sessions;
using Grpc.AspNetCore.Web;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnLab.Server.Hosting;

/// <summary>All of the server's wiring, so <c>Program.cs</c> reads in one screen.</summary>
public static class LabHosting
{
    /// <summary>
    /// Makes the configuration's reload-on-change poll its files (every 4 s) instead of watching the content root with
    /// inotify: by default the trace store (connlab.db and its WAL) lives there, and every WAL write was an event for
    /// the watcher thread to read and discard, 12-20 % of the server's CPU per step under load. Call it before
    /// <c>WebApplication.CreateBuilder</c>, whose file providers read the setting when they are made; an explicit
    /// <c>DOTNET_USE_POLLING_FILE_WATCHER</c> wins.
    /// </summary>
    public static void PreferPollingFileWatcher()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");
        }
    }

    /// <summary>Registers the session service, the trace store, limits, Swagger and health checks.</summary>
    public static WebApplicationBuilder AddConnLab(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.Configure<LabOptions>(builder.Configuration.GetSection(LabOptions.Section));
        var options = builder.Configuration.GetSection(LabOptions.Section).Get<LabOptions>() ?? new LabOptions();

        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<LabMetrics>();
        MetricsEndpoint.Register(services, options);
        services.AddDbContextFactory<LabDb>(o => o.UseSqlite(builder.Configuration.GetConnectionString("ConnLab") ?? "Data Source=connlab.db")
            // The check that the model has no changes without a migration runs in the tests (MigrationTests), not on
            // every start: it builds the design-time model and the snapshot's and diffs them.
            .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning)));
        services.AddSingleton<TraceStore>();
        services.AddSingleton<TraceWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<TraceWriter>());
        services.AddSingleton<LabService>();
        services.AddSingleton<Workshops.WorkshopService>();
        services.AddHostedService<IdleEviction>();
        services.AddHostedService<LivePlayer>();

        // Kestrel binds only its endpoints from configuration; its limits (Kestrel:Limits:MaxRequestBodySize, …) need binding here.
        builder.WebHost.ConfigureKestrel((context, kestrel) => context.Configuration.GetSection("Kestrel:Limits").Bind(kestrel.Limits));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.Customize);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Api.LabJson.Default);
            // ASP.NET Core sets JavaScriptEncoder.Default; null means the same escaping to the writer, and the generated
            // serialiser runs its fast path only for options without an explicit encoder.
            o.SerializerOptions.Encoder = null;
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // REST and the lab's gRPC services share one budget per client: a step is a step whichever way it comes.
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/connlab.v1.LabControl")
                    || http.Request.Path.StartsWithSegments("/connlab.v1.WorkshopControl")
                    ? RateLimitPartition.GetFixedWindowLimiter(SessionsApi.Client(http.Request), _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = Math.Max(1, options.RequestsPerMinutePerClient),
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter("other"));
            o.OnRejected = async (context, ct) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? (int)Math.Ceiling(after.TotalSeconds) : Problems.RetryAfterSeconds;
                var message = $"at most {options.RequestsPerMinutePerClient} requests per minute per client; retry in {retry} s";
                if (context.HttpContext.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true
                    && context.HttpContext.Response.SupportsTrailers())
                {
                    Grpc.GrpcRefusal.Write(context.HttpContext, global::Grpc.Core.StatusCode.ResourceExhausted, message, ("retry-after", retry.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    return;
                }
                context.HttpContext.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await TypedResults.Problem(message,
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests", type: Problems.TypeBase + "rate-limited")
                    .ExecuteAsync(context.HttpContext).ConfigureAwait(false);
            };
        });
        // GET answers (the dashboard's script and stylesheet, a session's trace: JSON that Brotli shrinks about 18 times)
        // are compressed on the fly; see UseConnLabAsync for which requests. Optimal, not Fastest: Brotli's fastest
        // level only shrinks a trace 3.5 times, and Optimal costs no more on a 1,000-event trace (about 35 ms more at 10,000).
        services.AddResponseCompression(o =>
        {
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProvider>();
            o.Providers.Add<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProvider>();
        });
        services.Configure<Microsoft.AspNetCore.ResponseCompression.BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Optimal);
        services.Configure<Microsoft.AspNetCore.ResponseCompression.GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Optimal);
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("trace-store");
        // IgnoreUnknownServices: no catch-all "{service}/{method}" routes that would shadow REST POSTs such as /api/sessions.
        // One size limit for both transports: gRPC enforces it per message (RESOURCE_EXHAUSTED), and GrpcBodyLimit below
        // lifts Kestrel's per-request one for gRPC calls, which would otherwise end an oversized call as UNKNOWN.
        var maxBody = builder.Configuration.GetValue<long?>("Kestrel:Limits:MaxRequestBodySize");
        services.AddGrpc(o =>
        {
            o.IgnoreUnknownServices = true;
            o.MaxReceiveMessageSize = maxBody is > 0 and <= int.MaxValue ? (int)maxBody : o.MaxReceiveMessageSize;
        });
        services.AddSingleton<Grpc.StreamWatchers>();
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(); // the same checks as /healthz
        services.AddSingleton<Hubs.HubRateLimitFilter>();
        services.AddSignalR(o => Microsoft.AspNetCore.SignalR.HubOptionsExtensions.AddFilter<Hubs.HubRateLimitFilter>(o));
        services.AddSingleton<Hubs.LabHubLifetimeManager>();
        services.AddSingleton<Microsoft.AspNetCore.SignalR.HubLifetimeManager<Hubs.LabHub>>(sp => sp.GetRequiredService<Hubs.LabHubLifetimeManager>());
        services.AddSingleton<Hubs.WatchRegistry>();
        services.AddSingleton<Hubs.LabBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<Hubs.LabBroadcaster>());
        services.AddSingleton<Hubs.WorkshopBroadcaster>();
        services.AddHostedService(sp => sp.GetRequiredService<Hubs.WorkshopBroadcaster>());
        services.AddEndpointsApiExplorer();
        services.AddLabSwagger();
        return builder;
    }

    /// <summary>Registers stored sessions (replayed once the server answers), then maps the API, Swagger UI, the dashboard page and /healthz.</summary>
    public static async Task<WebApplication> UseConnLabAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var metricsPath = MetricsEndpoint.PathOf(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LabOptions>>().Value);
        if (metricsPath is not null && MetricsEndpoint.RouteOwner(metricsPath) is { } owner)
        {
            // Two endpoints on one route answer 500 (ambiguous match), and one under the dashboard's files is never reached.
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ConnLab");
            StartupLog.MetricsPathTaken(log, metricsPath, owner);
            throw new ConfigurationRefusedException($"ConnLab:MetricsPath {metricsPath} is {owner}");
        }
        var store = app.Services.GetRequiredService<TraceStore>();
        try
        {
            await store.MigrateAsync(CancellationToken.None).ConfigureAwait(false);
            await app.Services.GetRequiredService<LabService>().RestoreAsync(CancellationToken.None).ConfigureAwait(false);
            await app.Services.GetRequiredService<Workshops.WorkshopService>().RestoreAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            // Refuse to start rather than serve sessions that could never be stored.
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ConnLab");
            var path = StorePath(app);
            StartupLog.StoreUnusable(log, path, ex.Message);
            throw new StoreUnavailableException($"the trace store {path} cannot be used: {ex.Message}", ex);
        }

        if (TrustedProxies.Options(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LabOptions>>().Value.TrustedProxies) is { } forwarded)
        {
            app.UseForwardedHeaders(forwarded); // before anything that counts clients
        }
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.Use(GrpcBodyLimit);
        app.UseMiddleware<Grpc.MalformedMessageGuard>();
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true }); // browsers reach LabControl over HTTP/1.1
        // Only reads: no answer that carries a token (create, join, fork) is compressed, and SignalR's transports
        // (long polling, server-sent events) and gRPC are left alone.
        app.UseWhen(http => HttpMethods.IsGet(http.Request.Method) && !http.Request.Path.StartsWithSegments("/hubs")
                && http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true,
            branch => branch.UseResponseCompression());
        app.UseDefaultFiles();
        // The dashboard's files keep their names across releases (index.html loads /app/app.js): "no-cache" makes a
        // browser revalidate them (a 304 when unchanged) rather than run last release's script from its cache.
        app.UseStaticFiles(new StaticFileOptions { OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache" });
        app.UseSwagger();
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/swagger/v1/swagger.json", "ConnLab v1");
            o.DocumentTitle = "ConnLab API";
            o.EnableTryItOutByDefault();
            o.DisplayRequestDuration();
        });
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = async (http, report) =>
            {
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsJsonAsync(new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()),
                }).ConfigureAwait(false);
            },
        });
        app.MapSessionsApi();
        app.MapWorkshopsApi();
        app.MapGrpcService<Grpc.LabControlService>();
        app.MapGrpcService<Grpc.WorkshopControlService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        app.MapHub<Hubs.LabHub>("/hubs/lab");
        if (metricsPath is not null)
        {
            app.MapPrometheusScrapingEndpoint(metricsPath);
        }
        app.Services.GetRequiredService<Hubs.LabBroadcaster>(); // subscribe before the first command
        app.Services.GetRequiredService<Hubs.WorkshopBroadcaster>();
        app.Lifetime.ApplicationStarted.Register(() => LogWhereEverythingIs(app));
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LabOptions>>().Value.PreloadStoredSessions)
        {
            // Once the server answers: replaying every stored session must not hold up the first answer.
            app.Lifetime.ApplicationStarted.Register(() => _ = PreloadAsync(app));
        }
        // Start-up runs no EF Core machinery; building its model and query pipeline (about a second of CPU) happens here,
        // a moment after the server answers (the first requests go first), instead of inside the first workshop request.
        app.Lifetime.ApplicationStarted.Register(() => _ = WarmUpEfCoreAsync(app));
        return app;
    }

    private static Task WarmUpEfCoreAsync(WebApplication app) => AfterStartAsync(app, TimeSpan.FromSeconds(1), async ct =>
    {
        var factory = app.Services.GetRequiredService<IDbContextFactory<Persistence.LabDb>>();
        await using var db = await factory.CreateDbContextAsync(ct).ConfigureAwait(false);
        _ = await db.Workshops.AsNoTracking().OrderBy(w => w.Id).Select(w => w.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false); // ordered: EF Core warns on an unordered First
    }, StartupLog.WarmUpFailed);

    private static Task PreloadAsync(WebApplication app) => AfterStartAsync(app, TimeSpan.Zero,
        app.Services.GetRequiredService<LabService>().PreloadRestoredAsync, StartupLog.PreloadFailed);

    /// <summary>Background work once the server answers: stopped by shutdown, and a failure is only logged (what it
    /// would have prepared is then done on first use).</summary>
    private static async Task AfterStartAsync(WebApplication app, TimeSpan delay, Func<CancellationToken, Task> work, Action<ILogger, Exception> failed)
    {
        var ct = app.Lifetime.ApplicationStopping;
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
            await Task.Yield(); // off the ApplicationStarted callback
            await work(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // see the summary: a failure here costs time on first use, never correctness
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failed(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ConnLab"), ex);
        }
    }

    /// <summary>gRPC calls are held to <c>MaxReceiveMessageSize</c> per message instead of Kestrel's request body limit.</summary>
    private static Task GrpcBodyLimit(HttpContext http, RequestDelegate next)
    {
        if (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true
            && http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
        return next(http);
    }

    private static void LogWhereEverythingIs(WebApplication app)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ConnLab");
        foreach (var url in app.Urls)
        {
            if (IsHttp2Only(app.Configuration, url))
            {
                StartupLog.ListeningGrpc(log, url);
            }
            else
            {
                StartupLog.Listening(log, url, MetricsEndpoint.PathOf(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LabOptions>>().Value) is { } metrics
                    ? $", Prometheus metrics at {metrics}"
                    : "");
            }
        }
        var path = StorePath(app);
        StartupLog.Store(log, path);
    }

    /// <summary>
    /// True if <paramref name="url"/> is bound by a Kestrel endpoint configured for HTTP/2 only (the gRPC endpoint): a
    /// browser cannot open it, so the start-up lines must not send anyone there for the dashboard.
    /// </summary>
    internal static bool IsHttp2Only(IConfiguration config, string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var bound)
        && config.GetSection("Kestrel:Endpoints").GetChildren().Any(e =>
            string.Equals(e["Protocols"], "Http2", StringComparison.OrdinalIgnoreCase)
            && Uri.TryCreate(e["Url"], UriKind.Absolute, out var configured) && configured.Port != 0 && configured.Port == bound.Port);

    private static string StorePath(WebApplication app) => Path.GetFullPath(
        new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(app.Configuration.GetConnectionString("ConnLab") ?? "Data Source=connlab.db").DataSource);
}

internal static partial class StartupLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "ConnLab is listening on {Url}: dashboard at /, Swagger UI at /swagger, health at /healthz{Metrics}")]
    public static partial void Listening(ILogger log, string url, string metrics);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "ConnLab's gRPC endpoint (HTTP/2 cleartext, for lab clients, grpcurl and the connlab CLI) is listening on {Url}: connlab.v1.LabControl, connlab.v1.WorkshopControl, reflection and health")]
    public static partial void ListeningGrpc(ILogger log, string url);

    [LoggerMessage(Level = LogLevel.Error, Message = "Replaying the restored sessions in the background stopped; the rest replay on their first use")]
    public static partial void PreloadFailed(ILogger log, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warming up EF Core after start-up failed; the first request that needs it pays instead")]
    public static partial void WarmUpFailed(ILogger log, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trace store: SQLite file {Path}")]
    public static partial void Store(ILogger log, string path);

    [LoggerMessage(Level = LogLevel.Critical, Message = "ConnLab cannot start: the trace store {Path} cannot be opened for writing ({Reason}). "
        + "Give the server a writable SQLite file (ConnectionStrings:ConnLab, without Mode=ReadOnly), with write permission on it and its folder and free disk space")]
    public static partial void StoreUnusable(ILogger log, string path, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "ConnLab cannot start: ConnLab:MetricsPath {Path} is {Owner}. Choose another path for the Prometheus endpoint (/metrics by default), or an empty one to turn it off")]
    public static partial void MetricsPathTaken(ILogger log, string path, string owner);

    [LoggerMessage(Level = LogLevel.Critical, Message = "ConnLab cannot start: {Reason}. Another program (a ConnLab started earlier?) holds the port: "
        + "stop it, or give ConnLab other addresses, e.g. --Kestrel:Endpoints:Http:Url=http://127.0.0.1:5090 --Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:5091")]
    public static partial void AddressInUse(ILogger log, string reason);
}

/// <summary>Readiness of the trace store for <c>/healthz</c>.</summary>
internal sealed class StoreHealthCheck(TraceStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await store.PingAsync(cancellationToken).ConfigureAwait(false)
                ? HealthCheckResult.Healthy("the database answers")
                : HealthCheckResult.Unhealthy("the database does not answer");
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}

/// <summary>Moves sessions idle past the TTL out of memory, once a minute.</summary>
internal sealed class IdleEviction(LabService lab) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await lab.EvictIdleAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping (or disposed after a failed start, which the host would otherwise log as a critical failure).
        }
    }
}
