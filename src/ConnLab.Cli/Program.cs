using ConnLab.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // stop watching cleanly instead of killing the process
    cancel.Cancel();
};
return await new LabCli(Console.Out, Console.Error, LabCli.DefaultStatePath).RunAsync(args, cancel.Token);
