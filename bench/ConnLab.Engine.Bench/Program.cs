using BenchmarkDotNet.Running;
using ConnLab.Engine.Bench;

// `dotnet run -c Release --project bench/ConnLab.Engine.Bench -- --filter '*'` runs every benchmark;
// `-- memory` measures the retained memory of idle established pairs (BenchmarkDotNet measures allocation, not retention).
if (args is ["memory", ..])
{
    MemoryFootprint.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000);
    return;
}
if (args is ["report", ..])
{
    Report.Run(); // bench/run: every benchmark, then one row per figure
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
