using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ConnLab.Server.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace ConnLab.Dashboard.Tests;

/// <summary>
/// The dashboard in headless Chromium (Debian's /usr/bin/chromium via playwright-core; .ci/prepare installs it):
/// each test runs one scenario script of ClientApp/e2e against the real server and passes when it exits 0.
/// Screenshots go to artifacts/screenshots.
/// </summary>
public sealed class BrowserTests(DashboardServer server) : IClassFixture<DashboardServer>
{
    private async Task Scenario(string script, Dictionary<string, string>? env = null)
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "Chromium is missing: run .ci/prepare (apt-get install chromium)");
        var all = new Dictionary<string, string>(env ?? []) { ["BASE_URL"] = server.BaseUrl, ["SCREENSHOTS"] = Node.Screenshots };
        var result = await Node.RunAsync([$"e2e/{script}.mjs"], all);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("PASS ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public Task Handshake_and_teardown_by_clicking_draw_the_textbook_ladder_and_states() => Scenario("handshake");

    [Fact]
    public Task A_second_page_on_the_share_link_sees_every_update_live() => Scenario("watcher");

    [Fact]
    public Task A_session_link_draws_from_rest_first_then_follows_signalr_without_gap_or_duplicate_across_a_reconnect() => Scenario("first-render");

    [Fact]
    public Task A_dropped_syn_ack_ends_in_a_cross_and_is_retransmitted() => Scenario("lost-synack");

    [Fact]
    public Task A_syn_flood_fills_the_syn_queue_gauge() => Scenario("flood");

    [Fact]
    public Task A_server_that_does_not_accept_or_read_at_once_fills_its_accept_queue_and_closes_its_window_and_a_half_close_still_receives()
        => Scenario("receiver");

    [Fact]
    public Task A_student_joins_a_workshop_by_code_appears_on_the_grid_predicts_and_follows_the_instructor() => Scenario("workshop");

    [Fact]
    public async Task A_session_that_did_not_restore_faithfully_says_why_it_is_read_only()
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var created = await http.PostAsJsonAsync("/api/sessions", new { scenario = "handshake", name = "damaged e2e" });
        var id = (await created.Content.ReadFromJsonAsync<JsonNode>())!["session"]!["id"]!.GetValue<string>();
        // What a restart leaves when a session's replay differs from its stored trace (PersistenceTests make one for
        // real, from a cut store): the mark the restore check sets.
        const string problem = "the replayed trace differs from the stored one at event 3";
        var host = server.Services.GetRequiredService<LabService>().Find(id)!;
        typeof(SessionHost).GetProperty(nameof(SessionHost.Problem))!.SetValue(host, problem);
        await Scenario("damaged", new() { ["SESSION"] = id, ["PROBLEM"] = problem });
    }
}
