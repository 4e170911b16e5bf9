using ConnLab.Server.Hosting;
using ConnLab.Server.Persistence;

LabHosting.PreferPollingFileWatcher(); // before the builder: its file providers read it when they are made
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
