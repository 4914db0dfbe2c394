import type { PrismaClient } from '../db/database.js';
import { clearPhonePin, setPhonePin } from './phone-auth.js';

/** A person's own phone PIN, for the account page (the rules live in phone-auth.ts). */
export function createPhonePins({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Whether a PIN is set, and whether wrong tries blocked it or alerted its owner. */
    async status(userId: number): Promise<{
      hasPin: boolean;
      emUserId: string | null;
      pinBlocked: boolean;
      pinAlertAt: Date | null;
    }> {
      const user = await prisma.user.findUniqueOrThrow({
        where: { id: userId },
        select: { phonePinHash: true, emUserId: true, phonePinLockedAt: true, phonePinAlertAt: true },
      });
      return {
        hasPin: Boolean(user.phonePinHash),
        emUserId: user.emUserId,
        pinBlocked: Boolean(user.phonePinHash && user.phonePinLockedAt),
        pinAlertAt: user.phonePinHash ? user.phonePinAlertAt : null,
      };
    },
    set: (userId: number, pin: string) => setPhonePin(prisma, userId, pin),
    clear: (userId: number) => clearPhonePin(prisma, userId),
  };
}

export type PhonePins = ReturnType<typeof createPhonePins>;
