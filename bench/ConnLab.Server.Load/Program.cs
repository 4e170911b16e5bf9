using ConnLab.Bench;
using ConnLab.Server.Load;

// dotnet run -c Release --project bench/ConnLab.Server.Load -- [memory|startup [runs]|writer|rest|grpc|grpc-watch|signalr|signalr-max|soak|all] [seconds] [--async]
var mode = args.Length > 0 ? args[0] : "all";
if (mode == "grpc-watch")
{
    await using var watchServer = await LoadServer.StartAsync(true, b => b.Services.AddSingleton<BenchService>(), app => app.MapGrpcService<BenchService>());
    await GrpcLoad.WatchAsync(watchServer, watchServer.Get<ConnLab.Server.Sessions.LabService>());
    return 0;
}
if (mode == "bare-app")
{
    await MemoryLoad.BareAppAsync(args[Array.IndexOf(args, "--urls") + 1]);
    return 0;
}
var seconds = args.Length > 1 && int.TryParse(args[1], out _) ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
var durable = !args.Contains("--async");
var harnesses = new (string Name, Func<Task> Run, bool InAll)[]
{
    ("memory", MemoryLoad.RunAsync, true),
    ("startup", () => MemoryLoad.StartupAsync(runs: args.Length > 1 && int.TryParse(args[1], out var runs) ? runs : 5), true),
    ("writer", () => WriterLoad.RunAsync(rows: 200_000), true),
    ("rest", () => RestLoad.RunAsync(concurrency: 64, TimeSpan.FromSeconds(seconds), durable), true),
    ("grpc", () => GrpcLoad.RunAsync(streams: 64, TimeSpan.FromSeconds(seconds), durable), true),
    ("signalr", () => SignalRLoad.RunAsync(TimeSpan.FromSeconds(seconds)), true),
    ("signalr-max", () => SignalRLoad.RunAsync(TimeSpan.FromSeconds(seconds), fullSpeedOnly: true), false), // part of "signalr"
    ("soak", () => SoakLoad.RunAsync(TimeSpan.FromSeconds(mode == "soak" ? seconds : 60)), true),
};
var failed = 0;
foreach (var (name, run, _) in harnesses.Where(h => (mode == "all" && h.InAll) || mode == h.Name))
{
    try
    {
        await run();
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        // One harness failing (a port taken, a tool missing) must not lose the others' figures: it is reported as a row.
        failed++;
        Console.Error.WriteLine(e);
        BenchReport.Add($"{name} harness", $"failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}", "runs", "—", false);
    }
}
return failed == 0 ? 0 : 1;
