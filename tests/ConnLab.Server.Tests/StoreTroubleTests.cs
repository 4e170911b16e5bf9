using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace ConnLab.Server.Tests;

/// <summary>
/// The trace store in trouble — locked by another connection, full — refuses commands with a ProblemDetails that
/// names the store, leaves the session exactly as it was durably, and serves again once the trouble is gone.
/// </summary>
public sealed class StoreTroubleTests(ITestOutputHelper output)
{
    private static string TempDb(string folder) => Path.Combine(folder, $"connlab-trouble-{Guid.NewGuid():N}.db");

    /// <summary>A session with a connection up and data in flight; answers its snapshot and trace as stored.</summary>
    private static async Task<(string Snapshot, string Events)> Established(LabClient lab)
    {
        await lab.Create(new { profile = "linux", seed = 7 });
        await lab.Ok("/endpoints/server/listen");
        await lab.Ok("/endpoints/client/connect");
        await lab.Ok("/run", new { maxSteps = 100 });
        await lab.Ok("/endpoints/client/send", new { data = "before the trouble" });
        return await Durable(lab);
    }

    private static async Task<(string Snapshot, string Events)> Durable(LabClient lab) =>
        (LabClient.Json(await lab.Get()), LabClient.Json(await lab.Get("/events?limit=1000")));

    [Fact]
    public async Task Locked_database_refuses_a_command_with_503_and_Retry_After_then_serves_once_unlocked()
    {
        var path = TempDb(Path.GetTempPath());
        // Default Timeout: how long the writer waits for the lock (Microsoft.Data.Sqlite retries SQLITE_BUSY until then).
        using var factory = new LabFactory(path, new() { ["ConnectionStrings:ConnLab"] = $"Data Source={path};Default Timeout=1" });
        try
        {
            var lab = factory.Lab();
            var before = await Established(lab);
            using (var holder = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                holder.Open();
                using (var begin = holder.CreateCommand())
                {
                    begin.CommandText = "BEGIN EXCLUSIVE;";
                    begin.ExecuteNonQuery();
                }
                var refused = await lab.Post("/step", new { count = 3 });
                var problem = await lab.Problem(refused, 503);
                Assert.Equal("https://connlab.dev/problems/store-unavailable", problem["type"]!.GetValue<string>());
                Assert.Contains("locked", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
                Assert.Equal("5", refused.Headers.RetryAfter?.ToString());
                Assert.Equal(before, await Durable(lab)); // rolled back, and reads still work while locked
            }
            var after = await lab.Ok("/step", new { count = 3 });
            Assert.NotEmpty(after["events"]!.AsArray());
            Assert.Equal(JsonNode.Parse(before.Snapshot)!["eventCount"]!.GetValue<long>(), after["events"]![0]!["index"]!.GetValue<long>());
        }
        finally
        {
            Delete(path);
        }
    }

    [Fact]
    public async Task Store_at_its_size_cap_refuses_a_command_with_507_and_rolls_the_session_back()
    {
        var path = TempDb(Path.GetTempPath());
        try
        {
            string id, token;
            using (var first = new LabFactory(path))
            {
                var setup = first.Lab();
                await Established(setup); // a store with its schema and a session in it
                (id, token) = (setup.Id, setup.Token);
            }
            // A cap below the current size: SQLite keeps the file as it is and refuses to grow it (SQLITE_FULL).
            using var capped = new LabFactory(path, new() { ["ConnLab:MaxStoreBytes"] = "1" });
            await AssertFullStoreRefusesAndRecovers(capped.Lab().Attach(id, token));
        }
        finally
        {
            Delete(path);
        }
    }

    [Fact]
    public async Task Full_disk_refuses_a_command_with_507_and_serves_again_once_space_is_freed()
    {
        var mount = Path.Combine(Path.GetTempPath(), $"connlab-tinyfs-{Guid.NewGuid():N}");
        Directory.CreateDirectory(mount);
        if (Run("mount", $"-t tmpfs -o size=1m tmpfs {mount}") is { } why)
        {
            // Not root (or no CAP_SYS_ADMIN): the same refusal, emulated by the size cap, and said so.
            output.WriteLine($"mount not permitted ({why}): full disk emulated with ConnLab:MaxStoreBytes");
            Directory.Delete(mount);
            await Store_at_its_size_cap_refuses_a_command_with_507_and_rolls_the_session_back();
            return;
        }
        try
        {
            using var factory = new LabFactory(TempDb(mount));
            var lab = factory.Lab();
            await Established(lab);
            var filler = Path.Combine(mount, "filler");
            await AssertFullStoreRefusesAndRecovers(lab, makeFull: () => Fill(filler), makeRoom: () => File.Delete(filler));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Run("umount", $"-l {mount}");
            Directory.Delete(mount, recursive: true);
        }
    }

    private static async Task AssertFullStoreRefusesAndRecovers(LabClient lab, Action? makeFull = null, Action? makeRoom = null)
    {
        var before = await Durable(lab);
        makeFull?.Invoke();
        var refused = await lab.Post("/endpoints/client/send", new { data = new string('x', 60_000) });
        var problem = await lab.Problem(refused, 507);
        Assert.Equal("https://connlab.dev/problems/store-full", problem["type"]!.GetValue<string>());
        Assert.Contains("full", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await Durable(lab)); // the in-memory session is back at its durable state, and reads work
        Assert.Equal(HttpStatusCode.OK, (await lab.Http.GetAsync("/healthz")).StatusCode);
        if (makeRoom is not null)
        {
            makeRoom();
            var sent = await lab.Ok("/endpoints/client/send", new { data = new string('x', 60_000) });
            Assert.Equal(JsonNode.Parse(before.Snapshot)!["eventCount"]!.GetValue<long>(), sent["events"]![0]!["index"]!.GetValue<long>());
        }
    }

    /// <summary>Writes until the file system says it has no space left.</summary>
    private static void Fill(string path)
    {
        var chunk = new byte[64 * 1024];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
            // ENOSPC: the disk is full
        }
    }

    /// <summary>Runs a system command; null on success, else why not.</summary>
    private static string? Run(string command, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"exit {process.ExitCode}: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return ex.Message;
        }
    }

    private static void Delete(string path)
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }
}
