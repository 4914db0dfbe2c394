import type { PrismaClient } from '../db/database.js';
import { isLanguage, type Language } from '../i18n/languages.js';

/** A person's language setting: one of Roost's languages, or null to follow the browser. */
export function createLanguageSetting(deps: { prisma: PrismaClient }) {
  const { prisma } = deps;
  return {
    async get(userId: number): Promise<Language | null> {
      const user = await prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { language: true } });
      return isLanguage(user.language) ? user.language : null;
    },
    async set(userId: number, language: Language | null): Promise<void> {
      await prisma.user.update({ where: { id: userId }, data: { language } });
    },
  };
}
export type LanguageSetting = ReturnType<typeof createLanguageSetting>;
