import { describe, expect, it } from 'vitest';
import { createMigration } from '../../src/db/migrations.js';

// The instant only names the folder a migration would be written to.
const AT = new Date('2026-12-02T07:14:00Z');

describe('migrations and schema.prisma', () => {
  // The diff runs on in-memory PGlite, offline; a change to schema.prisma without a
  // migration would make it write one (and this test fail).
  it('agree: `npm run db:migration` finds nothing to write', async () => {
    expect(await createMigration('drift_check', AT)).toBeNull();
  }, 60_000);

  it('refuses a migration name that is not a plain identifier', async () => {
    await expect(createMigration('../escape', AT)).rejects.toThrow(/a-z, 0-9 and _/);
  });
});
