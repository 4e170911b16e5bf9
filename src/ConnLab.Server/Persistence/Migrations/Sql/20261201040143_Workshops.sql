BEGIN TRANSACTION;
CREATE TABLE "Workshops" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Workshops" PRIMARY KEY,
    "Code" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "Scenario" TEXT NOT NULL,
    "KeyHash" BLOB NOT NULL,
    "TemplateSessionId" TEXT NOT NULL,
    "Owner" TEXT NOT NULL,
    "CreatedAtMs" INTEGER NOT NULL,
    "ExpiresAtMs" INTEGER NOT NULL,
    "ClosedAtMs" INTEGER NULL,
    "FollowSessionId" TEXT NULL
);

CREATE TABLE "WorkshopStudents" (
    "WorkshopId" TEXT NOT NULL,
    "SessionId" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "JoinedAtMs" INTEGER NOT NULL,
    CONSTRAINT "PK_WorkshopStudents" PRIMARY KEY ("WorkshopId", "SessionId"),
    CONSTRAINT "FK_WorkshopStudents_Workshops_WorkshopId" FOREIGN KEY ("WorkshopId") REFERENCES "Workshops" ("Id") ON DELETE CASCADE
);

CREATE INDEX "IX_Workshops_Code" ON "Workshops" ("Code");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261201040143_Workshops', '10.0.15');

COMMIT;

