using ConnLab.Server.Load;

// dotnet run -c Release --project bench/ConnLab.Server.Load -- [memory|writer|rest|grpc|signalr|soak|all] [seconds] [--async]
var mode = args.Length > 0 ? args[0] : "all";
if (mode == "bare-app")
{
    await MemoryLoad.BareAppAsync(args[Array.IndexOf(args, "--urls") + 1]);
    return;
}
if (mode is "memory" or "all")
{
    await MemoryLoad.RunAsync();
}
var seconds = args.Length > 1 && int.TryParse(args[1], out _) ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
if (mode is "writer" or "all")
{
    await WriterLoad.RunAsync(rows: 200_000);
}
if (mode is "rest" or "all")
{
    await RestLoad.RunAsync(concurrency: 64, TimeSpan.FromSeconds(seconds), durable: !args.Contains("--async"));
}
if (mode is "grpc" or "all")
{
    await GrpcLoad.RunAsync(streams: 64, TimeSpan.FromSeconds(seconds), durable: !args.Contains("--async"));
}
if (mode is "signalr" or "all")
{
    await SignalRLoad.RunAsync(TimeSpan.FromSeconds(seconds));
}
if (mode is "soak" or "all")
{
    await SoakLoad.RunAsync(TimeSpan.FromSeconds(mode == "soak" ? seconds : 60));
}
