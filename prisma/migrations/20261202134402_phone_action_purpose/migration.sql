-- CreateEnum
CREATE TYPE "PhoneActionPurpose" AS ENUM ('BOOKING', 'RELOGIN', 'REARM', 'DRIFT', 'RETIRED');

-- DropIndex
DROP INDEX "PhoneAction_reservationId_idx";

-- AlterTable
ALTER TABLE "PhoneAction" ADD COLUMN     "purpose" "PhoneActionPurpose" NOT NULL DEFAULT 'BOOKING',
ADD COLUMN     "seq" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "PhoneAction_reservationId_purpose_idx" ON "PhoneAction"("reservationId", "purpose");

-- Backfill from the keys written before purpose and seq were columns
UPDATE "PhoneAction" SET
  "purpose" = (CASE
    WHEN "idempotencyKey" LIKE '%:moved@%' THEN 'RETIRED'
    WHEN "idempotencyKey" ~ '^r[0-9]+:relogin:[0-9]+$' THEN 'RELOGIN'
    WHEN "idempotencyKey" ~ '^r[0-9]+:rearm:[0-9]+$' THEN 'REARM'
    WHEN "idempotencyKey" ~ '^p[0-9]+:drift:' THEN 'DRIFT'
    ELSE 'BOOKING' END)::"PhoneActionPurpose",
  "seq" = (CASE
    WHEN "idempotencyKey" ~ '^r[0-9]+:(relogin|rearm):[0-9]+$'
      THEN substring("idempotencyKey" from ':([0-9]+)$')::int
    ELSE 0 END);
