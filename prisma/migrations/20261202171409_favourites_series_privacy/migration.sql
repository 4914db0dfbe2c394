-- CreateEnum
CREATE TYPE "OccupantPrivacy" AS ENUM ('EVERYONE', 'TEAM', 'NOBODY');

-- AlterTable
ALTER TABLE "Reservation" ADD COLUMN     "seriesId" TEXT;

-- AlterTable
ALTER TABLE "Site" ADD COLUMN     "occupantPrivacy" "OccupantPrivacy" NOT NULL DEFAULT 'TEAM';

-- CreateTable
CREATE TABLE "FavouriteDesk" (
    "userId" INTEGER NOT NULL,
    "deskId" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FavouriteDesk_pkey" PRIMARY KEY ("userId","deskId")
);

-- CreateIndex
CREATE INDEX "FavouriteDesk_deskId_idx" ON "FavouriteDesk"("deskId");

-- CreateIndex
CREATE INDEX "Reservation_seriesId_idx" ON "Reservation"("seriesId");

-- AddForeignKey
ALTER TABLE "FavouriteDesk" ADD CONSTRAINT "FavouriteDesk_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FavouriteDesk" ADD CONSTRAINT "FavouriteDesk_deskId_fkey" FOREIGN KEY ("deskId") REFERENCES "Desk"("id") ON DELETE CASCADE ON UPDATE CASCADE;
