using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ConnLab.Server.Tests;

/// <summary>A ConnLab server on its own SQLite file, with optional configuration overrides.</summary>
public sealed class LabFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    private readonly bool _ownsDatabase;

    public LabFactory(string? databasePath = null, Dictionary<string, string?>? settings = null)
    {
        _ownsDatabase = databasePath is null;
        DatabasePath = databasePath ?? Path.Combine(Path.GetTempPath(), $"connlab-test-{Guid.NewGuid():N}.db");
        _settings = settings ?? [];
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDatabase)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(DatabasePath + suffix);
            }
        }
    }

    public string DatabasePath { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:ConnLab", $"Data Source={DatabasePath}");
        builder.UseSetting("ConnLab:RequestsPerMinutePerClient", "100000");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.UseEnvironment("Testing");
    }

    public LabClient Lab() => new(CreateClient());
}

/// <summary>A small client for the REST API: JSON in, JsonNode out, token remembered per session.</summary>
public sealed class LabClient(HttpClient http)
{
    public HttpClient Http { get; } = http;
    public string Token { get; private set; } = "";
    public string Id { get; private set; } = "";

    public async Task<JsonNode> Create(object? body = null)
    {
        var response = await Http.PostAsJsonAsync("/api/sessions", body ?? new { });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        Token = created["token"]!.GetValue<string>();
        Id = created["session"]!["id"]!.GetValue<string>();
        Assert.Equal($"/api/sessions/{Id}", response.Headers.Location?.ToString());
        return created;
    }

    /// <summary>Drives an existing session (one created by an earlier server on the same database).</summary>
    public LabClient Attach(string id, string token)
    {
        Id = id;
        Token = token;
        return this;
    }

    public Task<HttpResponseMessage> Post(string path, object? body = null, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sessions/{Id}{path}");
        if (body is string raw)
        {
            request.Content = new StringContent(raw, System.Text.Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token);
        return Http.SendAsync(request);
    }

    public async Task<JsonNode> Ok(string path, object? body = null)
    {
        var response = await Post(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonNode> Problem(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonNode> Get(string path = "")
    {
        var response = await Http.GetAsync($"/api/sessions/{Id}{path}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>The segments of a command's events, as "who FLAGS seq=… ack=… len=…".</summary>
    public static List<string> Sent(JsonNode answer) => answer["events"]!.AsArray()
        .Where(e => e!["kind"]!.GetValue<string>() == "segment-sent")
        .Select(e => Describe(e!["endpoint"]!.GetValue<string>(), e["segment"]!)).ToList();

    public static string Describe(string who, JsonNode s) =>
        $"{who} {string.Join(",", s["flags"]!.AsArray().Select(f => f!.GetValue<string>()))} seq={s["seq"]} ack={s["ack"]} len={s["len"]}";

    public static string State(JsonNode answer, string endpoint) =>
        (answer["session"] ?? answer)["endpoints"]![endpoint]!["state"]!.GetValue<string>();

    public static string Json(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
