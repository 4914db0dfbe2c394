import type { PrismaClient } from '../db/database.js';
import { clearPhonePin, setPhonePin } from './phone-auth.js';

/** A person's own phone PIN, for the account page (the rules live in phone-auth.ts). */
export function createPhonePins({ prisma }: { prisma: PrismaClient }) {
  return {
    async status(userId: number): Promise<{ hasPin: boolean; emUserId: string | null }> {
      const user = await prisma.user.findUniqueOrThrow({
        where: { id: userId },
        select: { phonePinHash: true, emUserId: true },
      });
      return { hasPin: Boolean(user.phonePinHash), emUserId: user.emUserId };
    },
    set: (userId: number, pin: string) => setPhonePin(prisma, userId, pin),
    clear: (userId: number) => clearPhonePin(prisma, userId),
  };
}

export type PhonePins = ReturnType<typeof createPhonePins>;
