// `npm run db:migrate`, `npm run db:migration -- NAME`, `npm run db:seed`.
import { ConfigError, loadConfig } from '../config.js';
import { systemClock } from '../time/clock.js';
import { DatabaseUnavailableError, openDatabase } from './database.js';
import { applyMigrations, createMigration } from './migrations.js';
import { seedDemo } from '../demo/seed.js';
import { defaultCluster } from '../demo/prepare-database.js';

async function main(command: string | undefined, args: string[]): Promise<number> {
  if (command === 'create') {
    const name = args[0];
    if (!name) {
      console.error('Usage: npm run db:migration -- NAME   (a-z, 0-9 and _)');
      return 2;
    }
    const folder = await createMigration(name, systemClock.now());
    console.log(
      folder
        ? `Wrote prisma/migrations/${folder}/migration.sql`
        : 'The schema has no changes: no migration written.',
    );
    return 0;
  }
  if (command !== 'migrate' && command !== 'seed') {
    console.error('Usage: db/cli.ts migrate | create NAME | seed');
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await applyMigrations(db.adapterFactory);
    if (command === 'migrate') {
      console.log(
        applied.length
          ? `Applied ${applied.length} migration(s) to ${db.describe}: ${applied.join(', ')}`
          : `Database ${db.describe} is up to date: no migrations to apply.`,
      );
      return 0;
    }
    if (config.databaseUrl && !config.seedDemo && !args.includes('--with-demo-users')) {
      console.log(
        'Seeding demo sites and desks only. Demo users have a public password: add ROOST_SEED_DEMO=true (or -- --with-demo-users) to create them.',
      );
    }
    const result = await seedDemo(db.prisma, {
      clock: systemClock,
      emCluster: defaultCluster(config, undefined),
      withUsers: config.seedDemo || args.includes('--with-demo-users'),
    });
    console.log(
      result.seeded
        ? `Seeded ${result.sites} sites, ${result.desks} desks with phones, ${result.users} users, ${result.reservations} bookings.`
        : 'The database already has sites: demo data not loaded.',
    );
    return 0;
  } finally {
    await db.close();
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof DatabaseUnavailableError) {
      console.error(error instanceof ConfigError ? error.message : `Roost cannot start: ${error.message}`);
    } else {
      console.error(error);
    }
    process.exit(1);
  },
);
