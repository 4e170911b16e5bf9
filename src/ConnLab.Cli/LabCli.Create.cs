using System.CommandLine;
using ConnLab.Contracts.V1;
using ConnLab.Engine.Lab;
using ProfileOverrides = ConnLab.Contracts.V1.ProfileOverrides;

namespace ConnLab.Cli;

/// <summary><c>connlab create</c>: every setting of the create request (architecture §3), as options.</summary>
public sealed partial class LabCli
{
    // The create request's override names (architecture §3), each a field of the profile.
    private static readonly Dictionary<string, Action<ProfileOverrides, int>> Overrides = new(StringComparer.Ordinal)
    {
        ["initialRtoMs"] = (o, v) => o.InitialRtoMs = v,
        ["minRtoMs"] = (o, v) => o.MinRtoMs = v,
        ["maxRtoMs"] = (o, v) => o.MaxRtoMs = v,
        ["synRetries"] = (o, v) => o.SynRetries = v,
        ["synAckRetries"] = (o, v) => o.SynAckRetries = v,
        ["synLinearTimeouts"] = (o, v) => o.SynLinearTimeouts = v,
        ["timeWaitMs"] = (o, v) => o.TimeWaitMs = v,
        ["finWait2TimeoutMs"] = (o, v) => o.FinWait2TimeoutMs = v,
        ["mslMs"] = (o, v) => o.MslMs = v,
        ["mss"] = (o, v) => o.Mss = v,
        ["delayedAckMs"] = (o, v) => o.DelayedAckMs = v,
        ["initialWindowSegments"] = (o, v) => o.InitialWindowSegments = v,
    };

    private Command CreateCommand()
    {
        var scenario = new Option<string?>("--scenario")
        {
            Description = $"lesson preset: {string.Join(", ", Scenarios.All.Select(s => s.Name))} (see: connlab scenarios)",
        };
        var profile = new Option<string?>("--profile") { Description = "rfc9293 (default) or linux" };
        var seed = new Option<ulong?>("--seed") { Description = "seed of every random choice" };
        var name = new Option<string?>("--name") { Description = "display name" };
        var clientIsn = new Option<uint?>("--client-isn") { Description = "the client's initial sequence number (default: from the seed)" };
        var serverIsn = new Option<uint?>("--server-isn") { Description = "the server's initial sequence number (default: from the seed)" };
        var backlog = new Option<int?>("--backlog") { Description = "the server's listen backlog" };
        var synCookies = new Option<bool>("--syn-cookies") { Description = "SYN cookies when the server's SYN queue overflows" };
        // The server is the receiving side in the flow-control and accept-queue lessons.
        var noAutoAccept = new Option<bool>("--no-auto-accept") { Description = "the server's application does not accept: connections wait in its accept queue (see accept)" };
        var noAutoRead = new Option<bool>("--no-auto-read") { Description = "the server's application does not read: its window closes as data waits (see read)" };
        var receiveBuffer = new Option<int?>("--receive-buffer") { Description = "the server's receive buffer, octets (1–65535)" };
        var delay = new Option<double?>("--delay-ms") { Description = "one-way link delay, ms (default 10)" };
        var jitter = new Option<double?>("--jitter-ms") { Description = "extra delay drawn per segment from [0, jitter), ms" };
        var loss = new Option<double?>("--loss-rate") { Description = "probability a segment is lost, 0–1 (drawn from the seed)" };
        var duplicate = new Option<double?>("--duplicate-rate") { Description = "probability a segment arrives twice, 0–1" };
        var reorder = new Option<double?>("--reorder-rate") { Description = "probability a segment is overtaken by later ones, 0–1" };
        var overrides = new Option<string[]>("--override")
        {
            Description = $"a profile value, name=value (repeatable): {string.Join(", ", Overrides.Keys)}",
        };
        var create = new Command("create", "create a session")
        {
            scenario, profile, seed, name, clientIsn, serverIsn, backlog, synCookies, noAutoAccept, noAutoRead, receiveBuffer,
            delay, jitter, loss, duplicate, reorder, overrides,
        };
        create.SetAction((p, ct) => Do(p, async client =>
        {
            var request = new CreateSessionRequest
            {
                Client = new ConnLab.Contracts.V1.EndpointConfig(),
                Server = new ConnLab.Contracts.V1.EndpointConfig(),
                Link = new ConnLab.Contracts.V1.LinkConfig(),
            };
            if (p.GetValue(scenario) is { } s) { request.Scenario = s; }
            if (p.GetValue(profile) is { } pr) { request.Profile = pr; }
            if (p.GetValue(seed) is { } sd) { request.Seed = sd; }
            if (p.GetValue(name) is { } n) { request.Name = n; }
            if (p.GetValue(clientIsn) is { } ci) { request.Client.Isn = ci; }
            if (p.GetValue(serverIsn) is { } si) { request.Server.Isn = si; }
            if (p.GetValue(backlog) is { } b) { request.Server.Backlog = b; }
            if (p.GetValue(synCookies)) { request.Server.SynCookies = true; }
            if (p.GetValue(noAutoAccept)) { request.Server.AutoAccept = false; }
            if (p.GetValue(noAutoRead)) { request.Server.AutoRead = false; }
            if (p.GetValue(receiveBuffer) is { } rb) { request.Server.ReceiveBuffer = rb; }
            if (p.GetValue(delay) is { } d) { request.Link.DelayMs = d; }
            if (p.GetValue(jitter) is { } j) { request.Link.JitterMs = j; }
            if (p.GetValue(loss) is { } l) { request.Link.LossRate = l; }
            if (p.GetValue(duplicate) is { } du) { request.Link.DuplicateRate = du; }
            if (p.GetValue(reorder) is { } re) { request.Link.ReorderRate = re; }
            foreach (var item in p.GetValue(overrides) ?? [])
            {
                var (key, value) = item.Split('=', 2) is [var k, var v] ? (k.Trim(), v.Trim()) : (item, "");
                if (!Overrides.TryGetValue(key, out var set))
                {
                    throw new UsageException($"--override: '{key}' is not a profile value ({string.Join(", ", Overrides.Keys)})");
                }
                if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
                {
                    throw new UsageException($"--override {key}: '{value}' is not a whole number");
                }
                set(request.Overrides ??= new ProfileOverrides(), number);
            }
            await Created(await client.CreateSessionAsync(request, cancellationToken: ct));
            if (request.HasScenario && Scenarios.Find(request.Scenario) is { } preset)
            {
                await output.WriteLineAsync($"\n{preset.Title}: {preset.Description}"); // what to do next
            }
        }));
        return create;
    }
}
