namespace ConnLab.Dashboard.Tests;

/// <summary>
/// The dashboard's pure modules (ladder geometry and labels, state diagram, trace bookkeeping, netstat) are tested
/// in TypeScript with node's test runner; each test file runs here as one test.
/// </summary>
public sealed class ClientUnitTests
{
    private static readonly Lazy<Task<Node.Result>> Built = new(() => Node.RunAsync(["build.mjs", "--tests"]));

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Node.ClientApp, "test"), "*.test.ts").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Node_test_file_passes(string name)
    {
        var build = await Built.Value;
        Assert.True(build.ExitCode == 0, $"building the unit tests failed: {build}");
        var run = await Node.RunAsync(["--test", "--test-reporter=tap", $".out/test/{name}.mjs"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("# fail 0", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("# pass 0", run.Output, StringComparison.Ordinal);
    }
}
