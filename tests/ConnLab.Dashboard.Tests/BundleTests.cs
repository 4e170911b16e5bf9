namespace ConnLab.Dashboard.Tests;

/// <summary>What the page loads before its first draw (the bundle the server's build writes to wwwroot/app).</summary>
public sealed class BundleTests
{
    private static readonly string App = Path.GetFullPath(Path.Combine(Node.ClientApp, "..", "wwwroot", "app"));

    [Fact]
    public void The_first_script_leaves_the_signalr_client_to_a_chunk_loaded_on_connect()
    {
        // SignalR's own text (its negotiate request and its keep-alive message), not a name the app's code mentions.
        string[] signalr = ["negotiateVersion", "Server timeout elapsed"];
        var first = File.ReadAllText(Path.Combine(App, "app.js"));
        Assert.All(signalr, text => Assert.DoesNotContain(text, first, StringComparison.Ordinal));
        var chunks = Directory.EnumerateFiles(Path.Combine(App, "chunks"), "*.js").Select(File.ReadAllText).ToList();
        Assert.All(signalr, text => Assert.Contains(chunks, c => c.Contains(text, StringComparison.Ordinal)));
        // Every chunk is one the first script names (old hashed chunks do not pile up beside them).
        var named = Directory.EnumerateFiles(Path.Combine(App, "chunks"), "*.js").Select(Path.GetFileName)
            .Where(name => !first.Contains(name!, StringComparison.Ordinal)).ToList();
        Assert.Empty(named);
    }
}
