using ConnLab.Engine.Lab;

namespace ConnLab.Engine.Tests.Lab;

/// <summary>The engine stays pure by construction (BannedApiAnalyzers bans clocks and randomness at build time).</summary>
public class PurityTests
{
    [Fact]
    public void Engine_references_no_web_database_realtime_or_grpc_assembly()
    {
        var references = typeof(LabSession).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, name => Assert.True(
            name is "System.Runtime" or "netstandard" || name.StartsWith("System.", StringComparison.Ordinal),
            $"the engine references {name}"));
        Assert.DoesNotContain(references, n => n.Contains("AspNetCore", StringComparison.Ordinal)
            || n.Contains("EntityFramework", StringComparison.Ordinal) || n.Contains("SignalR", StringComparison.Ordinal)
            || n.Contains("Grpc", StringComparison.Ordinal));
    }

    [Fact]
    public void Engine_project_bans_clocks_and_randomness()
    {
        var banned = File.ReadAllText(Path.Combine(RepoRoot(), "src", "ConnLab.Engine", "BannedSymbols.txt"));
        foreach (var symbol in new[] { "T:System.Random", "P:System.DateTime.Now", "M:System.Guid.NewGuid", "T:System.Diagnostics.Stopwatch", "M:System.Threading.Tasks.Task.Delay(System.Int32)" })
        {
            Assert.Contains(symbol + ";", banned, StringComparison.Ordinal);
        }
        var project = File.ReadAllText(Path.Combine(RepoRoot(), "src", "ConnLab.Engine", "ConnLab.Engine.csproj"));
        Assert.Contains("BannedApiAnalyzers", project, StringComparison.Ordinal);
        Assert.DoesNotContain("Microsoft.AspNetCore", project, StringComparison.Ordinal);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ConnLab.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("ConnLab.sln not found above the test binaries");
    }
}
