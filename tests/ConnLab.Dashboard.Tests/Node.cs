using System.Diagnostics;
using System.Text;

namespace ConnLab.Dashboard.Tests;

/// <summary>Runs node in the dashboard's ClientApp folder and collects its output.</summary>
internal static class Node
{
    /// <summary>src/ConnLab.Server/ClientApp of this checkout.</summary>
    public static string ClientApp { get; } = FindClientApp();

    /// <summary>artifacts/screenshots of this checkout.</summary>
    public static string Screenshots { get; } = Path.GetFullPath(Path.Combine(ClientApp, "..", "..", "..", "artifacts", "screenshots"));

    private static string FindClientApp()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ConnLab.sln")))
            {
                return Path.Combine(dir.FullName, "src", "ConnLab.Server", "ClientApp");
            }
        }
        throw new InvalidOperationException("ConnLab.sln not found above " + AppContext.BaseDirectory);
    }

    public sealed record Result(int ExitCode, string Output)
    {
        public override string ToString() => $"exit code {ExitCode}\n{Output}";
    }

    public static async Task<Result> RunAsync(IEnumerable<string> args, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = ClientApp,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        var gate = new Lock();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (gate)
                {
                    output.AppendLine(line);
                }
            }
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Append($"timed out after {timeout ?? TimeSpan.FromMinutes(2)}");
            return new Result(-1, output.ToString());
        }
        process.WaitForExit(); // flush the redirected streams
        lock (gate)
        {
            return new Result(process.ExitCode, output.ToString());
        }
    }
}
