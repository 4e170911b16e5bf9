using ConnLab.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddConnLab();
var app = builder.Build();
await app.UseConnLabAsync();
await app.RunAsync();

/// <summary>The ConnLab server (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;
