using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ConnLab.Server.Persistence;

/// <summary>The trace store's schema. EF Core owns the schema, migrations and queries; the hot write path is
/// <see cref="TraceWriter"/>'s prepared, batched commands on the same tables.</summary>
public sealed class LabDb(DbContextOptions<LabDb> options) : DbContext(options)
{
    /// <summary>Sessions.</summary>
    public DbSet<SessionRow> Sessions => Set<SessionRow>();
    /// <summary>Command logs.</summary>
    public DbSet<CommandRow> Commands => Set<CommandRow>();
    /// <summary>Traces.</summary>
    public DbSet<EventRow> Events => Set<EventRow>();

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.ApplyConfiguration(new SessionRowConfiguration());
        modelBuilder.ApplyConfiguration(new CommandRowConfiguration());
        modelBuilder.ApplyConfiguration(new EventRowConfiguration());
    }
}

internal sealed class SessionRowConfiguration : IEntityTypeConfiguration<SessionRow>
{
    public void Configure(EntityTypeBuilder<SessionRow> b)
    {
        b.ToTable("Sessions");
        b.HasKey(s => s.Key);
        b.Property(s => s.Key).ValueGeneratedNever();
        b.HasIndex(s => s.Id).IsUnique();
        b.Property(s => s.Id).HasMaxLength(32);
        b.Property(s => s.Name).HasMaxLength(200);
    }
}

internal sealed class CommandRowConfiguration : IEntityTypeConfiguration<CommandRow>
{
    public void Configure(EntityTypeBuilder<CommandRow> b)
    {
        b.ToTable("Commands");
        b.HasKey(c => new { c.SessionKey, c.Seq });
        b.HasOne<SessionRow>().WithMany().HasForeignKey(c => c.SessionKey).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EventRowConfiguration : IEntityTypeConfiguration<EventRow>
{
    public void Configure(EntityTypeBuilder<EventRow> b)
    {
        b.ToTable("Events");
        b.HasKey(e => new { e.SessionKey, e.Idx });
        b.HasOne<SessionRow>().WithMany().HasForeignKey(e => e.SessionKey).OnDelete(DeleteBehavior.Cascade);
    }
}
