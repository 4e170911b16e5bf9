using System.Net;
using System.Text.Json.Nodes;

namespace ConnLab.Reliability.Tests;

/// <summary>A command in flight on a session when the server may have died: it may or may not have committed.</summary>
public sealed record PendingCommand(HttpMethod Method, string Path, object? Body)
{
    public bool IsRewind => Path == "/rewind";
    public bool IsDelete => Method == HttpMethod.Delete;
}

/// <summary>
/// What the client knows for certain about one session: every event and the snapshot of its last acknowledged
/// (2xx) answer. A restarted server must show at least this, byte for byte.
/// </summary>
public sealed class TrackedSession(string id, string token, Random rng)
{
    public string Id { get; } = id;
    public string Token { get; } = token;
    public Random Rng { get; } = rng;
    /// <summary>Acknowledged events as JSON, by index; null where only their existence is known (a create whose trace was not read).</summary>
    public List<string?> Events { get; } = [];
    /// <summary>The session view of the last acknowledged answer.</summary>
    public JsonNode? Snapshot { get; set; }
    public PendingCommand? Pending { get; set; }
    public bool Deleted { get; set; }
    /// <summary>Commands acknowledged since the last restart's check.</summary>
    public int AckedSinceCheck { get; set; }

    public long Step => Snapshot?["step"]?.GetValue<long>() ?? 0;

    /// <summary>Records a 2xx command answer <c>{ events, session }</c>; returns what is wrong with it, if anything.</summary>
    public string? Acknowledge(PendingCommand command, JsonNode answer)
    {
        var session = answer["session"]!;
        var count = session["eventCount"]!.GetValue<long>();
        if (command.IsRewind)
        {
            Events.RemoveRange((int)Math.Min(count, Events.Count), Events.Count - (int)Math.Min(count, Events.Count));
        }
        foreach (var e in answer["events"]!.AsArray())
        {
            var index = e!["index"]!.GetValue<long>();
            if (index != Events.Count)
            {
                return $"{Id} {command.Path}: event index {index} where {Events.Count} was next";
            }
            Events.Add(e.ToJsonString());
        }
        Snapshot = session.DeepClone();
        AckedSinceCheck++;
        return count == Events.Count ? null : $"{Id} {command.Path}: eventCount {count} but {Events.Count} events acknowledged";
    }

    /// <summary>Takes a fresh session's snapshot (and trace, if read) as acknowledged.</summary>
    public void Adopt(JsonNode snapshot, IReadOnlyList<string>? events)
    {
        Snapshot = snapshot.DeepClone();
        Events.Clear();
        var count = snapshot["eventCount"]!.GetValue<long>();
        for (var i = 0; i < count; i++)
        {
            Events.Add(events is not null && i < events.Count ? events[i] : null);
        }
    }

    /// <summary>Every event of a session, paged as a client reads it.</summary>
    public static async Task<List<string>> ReadTraceAsync(HttpClient http, string id)
    {
        var all = new List<string>();
        for (long from = 0; ;)
        {
            var page = JsonNode.Parse(await http.GetStringAsync($"/api/sessions/{id}/events?from={from}&limit=1000"))!;
            all.AddRange(page["events"]!.AsArray().Select(e => e!.ToJsonString()));
            from = page["next"]!.GetValue<long>();
            if (from >= page["total"]!.GetValue<long>())
            {
                return all;
            }
        }
    }

    /// <summary>
    /// Checks the restarted server against what was acknowledged, then takes its state as the new baseline.
    /// Returns the number of acknowledged events compared; adds what is wrong to <paramref name="failures"/>.
    /// </summary>
    public async Task<int> VerifyRestoredAsync(HttpClient http, List<string> failures)
    {
        using var response = await http.GetAsync($"/api/sessions/{Id}");
        if (Deleted || Pending is { IsDelete: true })
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                Deleted = true;
                return 0;
            }
            if (Deleted)
            {
                failures.Add($"{Id}: deleted (204) before the kill, but {(int)response.StatusCode} after the restart");
                return 0;
            }
        }
        if (response.StatusCode != HttpStatusCode.OK)
        {
            failures.Add($"{Id}: GET answered {(int)response.StatusCode} after the restart: {await response.Content.ReadAsStringAsync()}");
            return 0;
        }
        var restored = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (restored["problem"] is { } problem)
        {
            failures.Add($"{Id}: restored with a problem: {problem}");
        }
        var trace = await ReadTraceAsync(http, Id);
        var count = restored["eventCount"]!.GetValue<long>();
        if (trace.Count != count)
        {
            failures.Add($"{Id}: snapshot says {count} events, the trace has {trace.Count}");
        }
        if (trace.Count < Events.Count && Pending is not { IsRewind: true })
        {
            failures.Add($"{Id}: {Events.Count} events acknowledged, {trace.Count} restored (lost {Events.Count - trace.Count})");
        }
        var compared = 0;
        for (var i = 0; i < Math.Min(trace.Count, Events.Count); i++)
        {
            if (Events[i] is { } acked)
            {
                compared++;
                if (acked != trace[i])
                {
                    failures.Add($"{Id}: event {i} differs after the restart:\n  acknowledged {acked}\n  restored     {trace[i]}");
                    break;
                }
            }
        }
        if (Pending is null && Snapshot is not null && Snapshot.ToJsonString() != restored.ToJsonString())
        {
            failures.Add($"{Id}: idle at the kill, yet the restored snapshot differs:\n  acknowledged {Snapshot.ToJsonString()}\n  restored     {restored.ToJsonString()}");
        }
        Adopt(restored, trace);
        Pending = null;
        return compared;
    }
}
