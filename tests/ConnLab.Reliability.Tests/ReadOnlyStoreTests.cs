using System.Net.Http.Json;
using Xunit.Abstractions;

namespace ConnLab.Reliability.Tests;

/// <summary>
/// A database the server may not write is refused at start-up, loudly: a server that started on it would take
/// commands it could never store. (Mode=ReadOnly rather than chmod 444, which root ignores.)
/// </summary>
public sealed class ReadOnlyStoreTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"connlab-readonly-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task Read_only_database_stops_the_server_at_start_with_exit_code_1_and_a_message_naming_the_file()
    {
        using (var writable = ServerProcess.Start($"Data Source={_db}"))
        {
            await writable.WaitHealthyAsync(Timeout);
            using var created = await writable.Http.PostAsJsonAsync("/api/sessions", new { scenario = "handshake" });
            Assert.Equal(201, (int)created.StatusCode);
        } // SIGKILL: the stored session and a WAL to recover are what a read-only start meets

        using var readOnly = ServerProcess.Start($"Data Source={_db};Mode=ReadOnly");
        var exit = await readOnly.WaitForExitAsync(Timeout);
        output.WriteLine(readOnly.LogTail);
        Assert.True(exit == 1, $"exit code {exit?.ToString() ?? "none: still running"}:\n{readOnly.LogTail}");
        Assert.Contains("ConnLab cannot start: the trace store", readOnly.LogTail, StringComparison.Ordinal);
        Assert.Contains(_db, readOnly.LogTail, StringComparison.Ordinal);
        Assert.Contains("readonly", readOnly.LogTail.Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Missing_database_opened_read_only_stops_the_server_at_start_with_exit_code_1()
    {
        using var readOnly = ServerProcess.Start($"Data Source={_db};Mode=ReadOnly");
        var exit = await readOnly.WaitForExitAsync(Timeout);
        Assert.True(exit == 1, $"exit code {exit?.ToString() ?? "none: still running"}:\n{readOnly.LogTail}");
        Assert.Contains("ConnLab cannot start: the trace store", readOnly.LogTail, StringComparison.Ordinal);
        Assert.False(File.Exists(_db), "a read-only start must not create the database");
    }

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_db + suffix);
        }
    }
}
