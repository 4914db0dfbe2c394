-- AlterTable
ALTER TABLE "User" ADD COLUMN     "calendarTokenHash" TEXT,
ADD COLUMN     "phonePinHash" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "User_calendarTokenHash_key" ON "User"("calendarTokenHash");
