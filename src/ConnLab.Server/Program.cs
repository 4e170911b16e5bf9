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
catch (Exception ex) when (ex is StoreUnavailableException or ConfigurationRefusedException)
{
    await app.DisposeAsync(); // flushes the log line that says what to fix
    return 1;
}
var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ConnLab"); // RunAsync disposes the services when it fails
try
{
    await app.RunAsync();
}
catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    // Most often a ConnLab started earlier still runs: one line that says so beats the host's stack trace above it.
    var reason = ex.Message.TrimEnd('.');
    StartupLog.AddressInUse(log, reason);
    return 1;
}
return 0;

/// <summary>The ConnLab server (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;
