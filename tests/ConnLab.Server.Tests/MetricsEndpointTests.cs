using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ConnLab.Server.Hosting;

namespace ConnLab.Server.Tests;

public sealed partial class MetricsEndpointTests
{
    /// <summary>A sample's value: the line <c>name{labels} value</c> whose labels contain every one given.</summary>
    private static double? Sample(string exposition, string name, params string[] labels) => exposition.Split('\n')
        .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(l => line.Contains(l, StringComparison.Ordinal)))
        .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
        .Cast<double?>()
        .FirstOrDefault();

    private static void AtLeast(string exposition, double least, string name, params string[] labels)
    {
        var value = Sample(exposition, name, labels);
        Assert.True(value >= least, $"{name} {string.Join(",", labels)}: {value?.ToString(CultureInfo.InvariantCulture) ?? "absent"}, expected at least {least}; "
            + string.Join(" | ", exposition.Split('\n').Where(l => l.StartsWith("connlab_", StringComparison.Ordinal) || l.StartsWith("http_server_request_duration_seconds_count", StringComparison.Ordinal))));
    }

    private static void Exactly(string exposition, double expected, string name, params string[] labels)
    {
        AtLeast(exposition, expected, name, labels);
        Assert.Equal(expected, Sample(exposition, name, labels));
    }

    [Fact]
    public async Task Metrics_endpoint_reports_commands_events_sessions_and_requests_by_route_for_prometheus()
    {
        using var factory = new LabFactory();
        var lab = factory.Lab();
        await lab.Create(new { scenario = "handshake" });
        await lab.Ok("/step");
        await lab.Ok("/step");
        await lab.Ok("/run", new { });

        var response = await lab.Http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE connlab_commands_total counter", text, StringComparison.Ordinal);
        // Exactly this server's figures, though dozens of test servers in this process count on the same meter names.
        Exactly(text, 3, "connlab_commands_total");
        Exactly(text, 1, "connlab_sessions_active");
        AtLeast(text, 7, "connlab_events_total"); // the handshake alone: 3 segments sent and delivered, 2 state changes
        AtLeast(text, 1, "connlab_store_rows_total");
        Assert.NotNull(Sample(text, "connlab_store_batch_duration_milliseconds_bucket", "le=\"0.1\"")); // sub-millisecond buckets
        Exactly(text, 2, "http_server_request_duration_seconds_count", "http_route=\"/api/sessions/{id}/step\"", "http_response_status_code=\"200\"");
        Assert.Matches(DotnetGcLine(), text);
    }

    [Fact]
    public async Task Each_server_in_a_process_reports_only_its_own_figures()
    {
        using var busy = new LabFactory();
        using var quiet = new LabFactory();
        var a = busy.Lab();
        var b = quiet.Lab();
        await a.Create(new { scenario = "handshake" });
        for (var i = 0; i < 4; i++)
        {
            await a.Ok("/step");
        }
        await b.Create(new { scenario = "handshake" });
        await b.Ok("/step");

        var busyText = await a.Http.GetStringAsync("/metrics");
        var quietText = await b.Http.GetStringAsync("/metrics");

        Exactly(busyText, 4, "connlab_commands_total");
        Exactly(quietText, 1, "connlab_commands_total");
        Exactly(busyText, 4, "http_server_request_duration_seconds_count", "http_route=\"/api/sessions/{id}/step\"");
        Exactly(quietText, 1, "http_server_request_duration_seconds_count", "http_route=\"/api/sessions/{id}/step\"");
        // The runtime's meter is the process's own, so both report it.
        Assert.Matches(DotnetGcLine(), quietText);
    }

    [Fact]
    public async Task Metrics_endpoint_moves_to_the_configured_path()
    {
        using var factory = new LabFactory(settings: new() { ["ConnLab:MetricsPath"] = "ops/metrics" });
        var http = factory.CreateClient();

        var moved = await http.GetAsync("/ops/metrics");
        var old = await http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Contains("connlab_", await moved.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
    }

    [Fact]
    public async Task Metrics_endpoint_is_off_when_its_path_is_empty()
    {
        using var factory = new LabFactory(settings: new() { ["ConnLab:MetricsPath"] = "" });
        var lab = factory.Lab();

        var response = await lab.Http.GetAsync("/metrics");

        var problem = await lab.Problem(response, 404);
        Assert.EndsWith("/route-not-found", problem["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await lab.Http.GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData("/", "the dashboard's page")]
    [InlineData("/app/metrics", "the dashboard's files")]
    [InlineData("api/metrics", "under the REST API (/api)")]
    [InlineData("/hubs/metrics", "under the SignalR hubs (/hubs)")]
    [InlineData("/swagger", "under Swagger UI (/swagger)")]
    [InlineData("/healthz", "the health check (/healthz)")]
    [InlineData("/connlab.v1.LabControl/Metrics", "under the gRPC services (/connlab.*, /grpc.*)")]
    [InlineData("/grpc.health.v1.Health", "under the gRPC services (/connlab.*, /grpc.*)")]
    public void A_metrics_path_on_one_of_connlabs_routes_is_named_with_its_owner(string path, string owner) =>
        Assert.Equal(owner, MetricsEndpoint.RouteOwner(path));

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/ops/metrics")]
    [InlineData("/apis")]
    [InlineData("/healthz2")]
    public void A_metrics_path_of_its_own_is_free(string path) => Assert.Null(MetricsEndpoint.RouteOwner(path));

    [GeneratedRegex(@"^dotnet_gc_heap_total_allocated_bytes_total\{[^}]*\} \d+", RegexOptions.Multiline)]
    private static partial Regex DotnetGcLine();
}
