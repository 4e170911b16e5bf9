using ConnLab.Server.Hosting;
using ConnLab.Server.Persistence;

// The configuration reloads appsettings*.json on change by watching the content root, and by default the trace store
// (connlab.db and its WAL) lives there too: with inotify on that tree every WAL write was an event for the watcher
// thread to read and discard, 12-20 % of the server's CPU per step under load. Polling looks at the watched files alone,
// every 4 s. An explicit setting wins.
if (Environment.GetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");
}
var builder = WebApplication.CreateBuilder(args);
builder.AddConnLab();
var app = builder.Build();
try
{
    await app.UseConnLabAsync();
}
catch (StoreUnavailableException)
{
    await app.DisposeAsync(); // flushes the log line that says what to fix
    return 1;
}
await app.RunAsync();
return 0;

/// <summary>The ConnLab server (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;
