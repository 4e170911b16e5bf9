CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,
    "ProductVersion" TEXT NOT NULL
);

BEGIN TRANSACTION;
CREATE TABLE "Sessions" (
    "Key" INTEGER NOT NULL CONSTRAINT "PK_Sessions" PRIMARY KEY,
    "Id" TEXT NULL,
    "Name" TEXT NOT NULL,
    "Owner" TEXT NOT NULL,
    "TokenHash" BLOB NOT NULL,
    "ConfigJson" TEXT NOT NULL,
    "CreatedAtMs" INTEGER NOT NULL
);

CREATE TABLE "Commands" (
    "SessionKey" INTEGER NOT NULL,
    "Seq" INTEGER NOT NULL,
    "Json" TEXT NOT NULL,
    CONSTRAINT "PK_Commands" PRIMARY KEY ("SessionKey", "Seq"),
    CONSTRAINT "FK_Commands_Sessions_SessionKey" FOREIGN KEY ("SessionKey") REFERENCES "Sessions" ("Key") ON DELETE CASCADE
);

CREATE TABLE "Events" (
    "SessionKey" INTEGER NOT NULL,
    "Idx" INTEGER NOT NULL,
    "Data" BLOB NOT NULL,
    CONSTRAINT "PK_Events" PRIMARY KEY ("SessionKey", "Idx"),
    CONSTRAINT "FK_Events_Sessions_SessionKey" FOREIGN KEY ("SessionKey") REFERENCES "Sessions" ("Key") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_Sessions_Id" ON "Sessions" ("Id");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261124205022_InitialSchema', '10.0.15');

COMMIT;

