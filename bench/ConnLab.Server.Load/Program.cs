using ConnLab.Server.Load;

// dotnet run -c Release --project bench/ConnLab.Server.Load -- [rest|writer|all] [seconds]
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
