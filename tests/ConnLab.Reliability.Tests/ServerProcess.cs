using System.Diagnostics;
using System.Net;
using System.Reflection;
using ConnLab.Testing;

namespace ConnLab.Reliability.Tests;

/// <summary>
/// The real server (<c>dotnet ConnLab.Server.dll</c>) as a child process on 127.0.0.1 free ports and a given
/// SQLite file; killed with SIGKILL, never stopped politely, unless the test says so.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _log = new();
    private readonly Stopwatch _sinceStart;

    private ServerProcess(Process process, Uri baseAddress, Stopwatch sinceStart)
    {
        _process = process;
        _sinceStart = sinceStart;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>http://127.0.0.1:port of the REST endpoint.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The server's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>A client of this server process.</summary>
    public HttpClient Http { get; }

    /// <summary>The server's built output, recorded at build time (see the project file).</summary>
    public static string ServerDll => typeof(ServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ServerDll").Value!;

    /// <summary>
    /// Starts the server on <paramref name="connectionString"/> with the load-test quotas, plus <paramref name="settings"/>,
    /// on free ports or on <paramref name="ports"/> (a restart where clients expect it).
    /// </summary>
    public static ServerProcess Start(string connectionString, IReadOnlyDictionary<string, string>? settings = null, (int Http, int Grpc)? ports = null)
    {
        var dll = Path.GetFullPath(ServerDll);
        Assert.True(File.Exists(dll), $"the server is not built at {dll}");
        var (http, grpc) = ports ?? (FreePorts.Next(), FreePorts.Next());
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, // the content root: appsettings.json
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        var env = info.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["ConnectionStrings__ConnLab"] = connectionString;
        env["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{http}";
        env["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpc}";
        env["Kestrel__Endpoints__Grpc__Protocols"] = "Http2";
        env["ConnLab__RequestsPerMinutePerClient"] = "1000000";
        env["ConnLab__MaxSessionsPerClient"] = "1000";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }
        var clock = Stopwatch.StartNew();
        var process = new Process { StartInfo = info };
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{http}"), clock);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Polls <c>/healthz</c> until it answers 200; returns the time from process start to that answer.</summary>
    public async Task<TimeSpan> WaitHealthyAsync(TimeSpan timeout)
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        while (_sinceStart.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with {_process.ExitCode} before answering:\n{LogTail}");
            }
            try
            {
                using var response = await probe.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return _sinceStart.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // not answering yet
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"the server did not answer /healthz within {timeout}:\n{LogTail}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no draining, no flush.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>Waits for the process to end on its own; null if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // and for the redirected output to drain
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The last lines the server wrote (stdout and stderr).</summary>
    public string LogTail
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > 200)
            {
                _log.Dequeue();
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        Http.Dispose();
        _process.Dispose();
    }
}
