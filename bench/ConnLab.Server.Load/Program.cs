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
var harnesses = new (string Name, Func<Task> Run)[]
{
    ("memory", MemoryLoad.RunAsync),
    ("startup", () => MemoryLoad.StartupAsync(runs: args.Length > 1 && int.TryParse(args[1], out var runs) ? runs : 5)),
    ("writer", () => WriterLoad.RunAsync(rows: 200_000)),
    ("rest", () => RestLoad.RunAsync(concurrency: 64, TimeSpan.FromSeconds(seconds), durable)),
    ("grpc", () => GrpcLoad.RunAsync(streams: 64, TimeSpan.FromSeconds(seconds), durable)),
    ("signalr", () => SignalRLoad.RunAsync(TimeSpan.FromSeconds(seconds))),
    ("signalr-max", () => SignalRLoad.RunAsync(TimeSpan.FromSeconds(seconds), fullSpeedOnly: true)),
    ("soak", () => SoakLoad.RunAsync(TimeSpan.FromSeconds(mode == "soak" ? seconds : 60))),
};
var failed = 0;
foreach (var (name, run) in harnesses.Where(h => (mode == "all" && h.Name != "signalr-max") || mode == h.Name))
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
