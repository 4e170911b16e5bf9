BEGIN TRANSACTION;
CREATE TABLE "Journal" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Journal" PRIMARY KEY,
    "SessionKey" INTEGER NOT NULL,
    "Seq" INTEGER NULL,
    "Json" TEXT NULL,
    "Idx" INTEGER NULL,
    "Data" BLOB NULL
);

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261201055645_Journal', '10.0.15');

COMMIT;

