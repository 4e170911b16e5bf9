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
    /// <summary>Commands and events committed but not yet folded into <see cref="Commands"/> and <see cref="Events"/>.</summary>
    public DbSet<JournalRow> Journal => Set<JournalRow>();
    /// <summary>Workshops.</summary>
    public DbSet<WorkshopRow> Workshops => Set<WorkshopRow>();
    /// <summary>Workshop students and their sandboxes.</summary>
    public DbSet<WorkshopStudentRow> WorkshopStudents => Set<WorkshopStudentRow>();

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.ApplyConfiguration(new SessionRowConfiguration());
        modelBuilder.ApplyConfiguration(new CommandRowConfiguration());
        modelBuilder.ApplyConfiguration(new EventRowConfiguration());
        modelBuilder.ApplyConfiguration(new JournalRowConfiguration());
        modelBuilder.ApplyConfiguration(new WorkshopRowConfiguration());
        modelBuilder.ApplyConfiguration(new WorkshopStudentRowConfiguration());
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

internal sealed class JournalRowConfiguration : IEntityTypeConfiguration<JournalRow>
{
    public void Configure(EntityTypeBuilder<JournalRow> b)
    {
        b.ToTable("Journal");
        b.HasKey(j => j.Id);
        // A plain INTEGER PRIMARY KEY (the rowid): appended rows take the next one; AUTOINCREMENT would write
        // sqlite_sequence on every commit. No index and no foreign key: an insert touches only the journal's last page.
        b.Property(j => j.Id).ValueGeneratedNever();
    }
}

internal sealed class WorkshopRowConfiguration : IEntityTypeConfiguration<WorkshopRow>
{
    public void Configure(EntityTypeBuilder<WorkshopRow> b)
    {
        b.ToTable("Workshops");
        b.HasKey(w => w.Id);
        b.Property(w => w.Id).HasMaxLength(32);
        b.Property(w => w.Code).HasMaxLength(16);
        b.HasIndex(w => w.Code);
        b.Property(w => w.Name).HasMaxLength(200);
        b.Property(w => w.TemplateSessionId).HasMaxLength(32);
        b.Property(w => w.FollowSessionId).HasMaxLength(32);
    }
}

internal sealed class WorkshopStudentRowConfiguration : IEntityTypeConfiguration<WorkshopStudentRow>
{
    public void Configure(EntityTypeBuilder<WorkshopStudentRow> b)
    {
        b.ToTable("WorkshopStudents");
        b.HasKey(s => new { s.WorkshopId, s.SessionId });
        b.Property(s => s.Name).HasMaxLength(60);
        b.HasOne<WorkshopRow>().WithMany().HasForeignKey(s => s.WorkshopId).OnDelete(DeleteBehavior.Cascade);
    }
}
