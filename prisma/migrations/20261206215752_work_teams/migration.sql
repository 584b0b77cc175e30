-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "work_team_id" TEXT;

-- AlterTable
ALTER TABLE "annotators" ADD COLUMN     "owner_customer_id" TEXT;

-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "work_team_id" TEXT;

-- CreateTable
CREATE TABLE "work_teams" (
    "id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "environment" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "work_teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "work_team_members" (
    "team_id" TEXT NOT NULL,
    "annotator_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "work_team_members_pkey" PRIMARY KEY ("team_id","annotator_id")
);

-- CreateTable
CREATE TABLE "work_team_invitations" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "accepted_at" TIMESTAMPTZ(3),
    "annotator_id" TEXT,

    CONSTRAINT "work_team_invitations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "work_teams_customer_id_environment_id_idx" ON "work_teams"("customer_id", "environment", "id");

-- CreateIndex
CREATE INDEX "work_team_members_annotator_id_status_idx" ON "work_team_members"("annotator_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "work_team_invitations_token_hash_key" ON "work_team_invitations"("token_hash");

-- CreateIndex
CREATE INDEX "work_team_invitations_team_id_idx" ON "work_team_invitations"("team_id");

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_work_team_id_fkey" FOREIGN KEY ("work_team_id") REFERENCES "work_teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_teams" ADD CONSTRAINT "work_teams_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_team_members" ADD CONSTRAINT "work_team_members_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "work_teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_team_members" ADD CONSTRAINT "work_team_members_annotator_id_fkey" FOREIGN KEY ("annotator_id") REFERENCES "annotators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "work_team_invitations" ADD CONSTRAINT "work_team_invitations_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "work_teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;
