using ConnLab.Server.Load;

// dotnet run -c Release --project bench/ConnLab.Server.Load -- [rest|writer|all] [seconds]
var mode = args.Length > 0 ? args[0] : "all";
var seconds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
if (mode is "writer" or "all")
{
    await WriterLoad.RunAsync(rows: 200_000);
}
if (mode is "rest" or "all")
{
    await RestLoad.RunAsync(concurrency: 64, TimeSpan.FromSeconds(seconds));
}
