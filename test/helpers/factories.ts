import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../src/db/database.js';
import { hashPassword } from '../../src/auth/passwords.js';

/** Tells apart the people of test files that share one database (not the clock: tests never read it). */
const RUN = randomBytes(4).toString('hex');

/** Small factories: each test makes the data it needs, nothing shared. */
let counter = 0;
const next = () => ++counter;

let hash: Promise<string> | undefined;
/** Every factory user's password (hashed once per test file: argon2id is slow on purpose). */
export const TEST_PASSWORD = 'correct horse battery staple';
const passwordHash = () => (hash ??= hashPassword(TEST_PASSWORD));

export async function createSite(
  prisma: PrismaClient,
  data: { timeZone?: string; name?: string; policy?: Record<string, unknown>; emClusterId?: number } = {},
) {
  const n = next();
  return prisma.site.create({
    data: {
      name: data.name ?? `Site ${n}`,
      timeZone: data.timeZone ?? 'Europe/Berlin',
      emClusterId: data.emClusterId ?? null,
      policy: { create: { ...(data.policy ?? {}) } },
    },
    include: { policy: true },
  });
}

export async function createFloor(prisma: PrismaClient, siteId: number, name?: string) {
  return prisma.floor.create({ data: { siteId, name: name ?? `Floor ${next()}` } });
}

/** A desk, with a phone unless `phone: false`. */
export async function createDesk(
  prisma: PrismaClient,
  floorId: number,
  data: { label?: string; features?: string[]; bookable?: boolean; phone?: boolean | string } = {},
) {
  const n = next();
  const desk = await prisma.desk.create({
    data: {
      floorId,
      label: data.label ?? `D${n}`,
      features: data.features ?? [],
      bookable: data.bookable ?? true,
      posX: n * 10,
      posY: 50,
    },
  });
  const phone =
    data.phone === false
      ? null
      : await prisma.phone.create({
          data: {
            deskId: desk.id,
            deviceName:
              typeof data.phone === 'string'
                ? data.phone
                : `SEP${n.toString(16).toUpperCase().padStart(12, '0')}`,
          },
        });
  return { ...desk, phone };
}

export async function createUser(
  prisma: PrismaClient,
  data: {
    role?: 'EMPLOYEE' | 'FACILITIES' | 'ADMIN';
    email?: string;
    emUserId?: string | null;
    homeSiteId?: number;
    disabled?: boolean;
  } = {},
) {
  const n = next();
  return prisma.user.create({
    data: {
      email: data.email ?? `user${n}-${RUN}@test.example`,
      displayName: `Test User ${n}`,
      role: data.role ?? 'EMPLOYEE',
      emUserId: data.emUserId === undefined ? `user${n}` : data.emUserId,
      passwordHash: await passwordHash(),
      homeSiteId: data.homeSiteId ?? null,
      disabled: data.disabled ?? false,
    },
  });
}
