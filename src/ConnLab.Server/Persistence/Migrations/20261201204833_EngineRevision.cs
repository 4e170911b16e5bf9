using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ConnLab.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class EngineRevision : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Sessions stored before this column were recorded by engine revision 1.
            migrationBuilder.AddColumn<int>(
                name: "EngineRevision",
                table: "Sessions",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EngineRevision",
                table: "Sessions");
        }
    }
}
