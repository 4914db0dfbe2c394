import type { Config } from '../config.js';
import type { Clock } from '../time/clock.js';
import type { Database } from '../db/database.js';
import { applyMigrations } from '../db/migrations.js';
import { seedDemo, type SeedResult } from './seed.js';

/** The default EM cluster as the configuration describes it. */
export function defaultCluster(config: Readonly<Config>, emulatorUrl: string | undefined) {
  return {
    // Every node ROOST_EM_URL lists: the cluster client spreads work over them and fails over.
    serviceUrl:
      config.em.nodeUrls.length > 0
        ? config.em.nodeUrls.join(', ')
        : (config.em.url ?? emulatorUrl ?? `http://127.0.0.1:${config.em.simPort}`),
    appUser: config.em.appUser,
    secretRef: 'env:ROOST_EM_APP_PASSWORD',
    maxConcurrentRequests: config.em.maxConcurrentRequests,
    apiProfile: config.em.apiProfile,
  };
}

/**
 * What `npm start` does before serving: migrate, seed an empty database, and point the
 * "default" EM cluster at what the environment says (the emulator's actual URL when it
 * runs beside Roost). Clusters added in the admin pages are left alone.
 */
export async function prepareDatabase(
  db: Database,
  config: Readonly<Config>,
  clock: Clock,
  emulatorUrl: string | undefined,
): Promise<{ applied: string[]; seed: SeedResult }> {
  const applied = await applyMigrations(db.adapterFactory);
  const cluster = defaultCluster(config, emulatorUrl);
  const seed = await seedDemo(db.prisma, { clock, emCluster: cluster, withUsers: config.seedDemo });
  await db.prisma.emCluster.updateMany({ where: { name: 'default' }, data: cluster });
  return { applied, seed };
}
