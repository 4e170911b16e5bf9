using ConnLab.Server.Sessions;
using OpenTelemetry.Metrics;

namespace ConnLab.Server.Hosting;

/// <summary>
/// The Prometheus endpoint (<see cref="LabOptions.MetricsPath"/>): ConnLab's meter with ASP.NET Core's and the runtime's,
/// exported by OpenTelemetry.
/// </summary>
public static class MetricsEndpoint
{
    /// <summary>
    /// ASP.NET Core's and the runtime's meters exported beside <see cref="LabMetrics.MeterName"/>: requests by route and
    /// status, connections, SignalR transports, rate-limiter refusals, GC, CPU and the thread pool.
    /// </summary>
    public static readonly IReadOnlyList<string> FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.RateLimiting", "System.Runtime",
    ];

    /// <summary>Registers the exporter, unless the endpoint is turned off.</summary>
    internal static void Register(IServiceCollection services, LabOptions options)
    {
        if (PathOf(options) is null)
        {
            return;
        }
        // The meters a workshop's operator watches: ConnLab's own (sessions, commands, events, the store's queue and
        // batches), requests by route and status, connections, SignalR transports, rate-limiter refusals, GC and CPU.
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter([LabMetrics.MeterName, .. FrameworkMeters])
            .AddPrometheusExporter());
        // OpenTelemetry picks meters by name, process-wide: another host in the process (a test server, an embedding
        // app) would count in this one's figures, and its gauges overwrite this one's. Meters made by another host's
        // IMeterFactory are dropped; global ones (the runtime's) stay.
        services.ConfigureOpenTelemetryMeterProvider(OnlyThisHostsMeters);
    }

    // Each stream preallocates room for this many label sets (2,000 by default: 6 MB of heap for this server's meters);
    // the busiest, requests by route, method and status, needs a few dozen. Beyond it OpenTelemetry counts the rest in
    // one overflow series.
    private static readonly MetricStreamConfiguration OwnStream = new() { CardinalityLimit = 256 };

    private static void OnlyThisHostsMeters(IServiceProvider provider, MeterProviderBuilder builder)
    {
        var own = provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        builder.AddView(instrument => instrument.Meter.Scope is System.Diagnostics.Metrics.IMeterFactory factory && !ReferenceEquals(factory, own)
            ? MetricStreamConfiguration.Drop
            : OwnStream);
    }

    /// <summary>What already answers at <paramref name="path"/> (one of ConnLab's own routes), or null when it is free.</summary>
    internal static string? RouteOwner(string path)
    {
        var first = path.TrimStart('/').Split('/')[0];
        return first switch
        {
            "" => "the dashboard's page",
            "index.html" or "app" => "the dashboard's files",
            "api" => "under the REST API (/api)",
            "hubs" => "under the SignalR hubs (/hubs)",
            "swagger" => "under Swagger UI (/swagger)",
            "healthz" => "the health check (/healthz)",
            _ when first.StartsWith("connlab.", StringComparison.Ordinal) || first.StartsWith("grpc.", StringComparison.Ordinal)
                => "under the gRPC services (/connlab.*, /grpc.*)",
            _ => null,
        };
    }

    /// <summary>The Prometheus endpoint's path (with its leading slash), or null when it is turned off.</summary>
    internal static string? PathOf(LabOptions options) => string.IsNullOrWhiteSpace(options.MetricsPath)
        ? null
        : "/" + options.MetricsPath.Trim().TrimStart('/');
}
