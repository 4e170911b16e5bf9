BEGIN TRANSACTION;
ALTER TABLE "Sessions" ADD "EngineRevision" INTEGER NOT NULL DEFAULT 1;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261201204833_EngineRevision', '10.0.15');

COMMIT;

