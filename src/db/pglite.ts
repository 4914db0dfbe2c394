import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';

/**
 * Opens PGlite (Postgres in WebAssembly) with the extensions our migrations use.
 * `dataDir` is a folder, or `memory://` for a throw-away database (tests, shadow DB).
 */
export async function openPGlite(dataDir: string): Promise<PGlite> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const db = new PGlite({ dataDir, extensions: { btree_gist } });
  await db.waitReady;
  return db;
}
