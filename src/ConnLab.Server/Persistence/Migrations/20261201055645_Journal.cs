using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ConnLab.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Journal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Journal",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false),
                    SessionKey = table.Column<long>(type: "INTEGER", nullable: false),
                    Seq = table.Column<int>(type: "INTEGER", nullable: true),
                    Json = table.Column<string>(type: "TEXT", nullable: true),
                    Idx = table.Column<long>(type: "INTEGER", nullable: true),
                    Data = table.Column<byte[]>(type: "BLOB", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Journal", x => x.Id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Journal rows are committed commands and events: fold them into their tables before the journal goes.
            migrationBuilder.Sql(
                "INSERT INTO Commands (SessionKey, Seq, Json) SELECT SessionKey, Seq, Json FROM Journal WHERE Seq IS NOT NULL ORDER BY SessionKey, Seq;");
            migrationBuilder.Sql(
                "INSERT INTO Events (SessionKey, Idx, Data) SELECT SessionKey, Idx, Data FROM Journal WHERE Idx IS NOT NULL ORDER BY SessionKey, Idx;");
            migrationBuilder.DropTable(
                name: "Journal");
        }
    }
}
