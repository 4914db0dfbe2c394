-- AlterTable
ALTER TABLE "User" ADD COLUMN     "deprovisionedAt" TIMESTAMPTZ(3),
ADD COLUMN     "familyName" TEXT,
ADD COLUMN     "givenName" TEXT;
