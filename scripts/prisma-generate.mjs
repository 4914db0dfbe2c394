// Generates the Prisma client offline. The Prisma 7 CLI tries to download a native
// schema engine before any command, but `generate` never uses it: pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any executable skips the download (TOOLCHAIN.md).
//
// In a production install (`npm ci --omit=dev`, the Dockerfile's runtime stage) the Prisma
// CLI is absent and the client was compiled into dist/ by `npm run build`: nothing to do.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let prismaCli;
try {
  prismaCli = require.resolve('prisma/build/index.js');
} catch {
  if (process.env.NODE_ENV === 'production' || process.env.npm_config_omit?.includes('dev')) {
    console.log('prisma-generate: no Prisma CLI (production install); the compiled client is in dist/.');
    process.exit(0);
  }
  console.error('prisma-generate: the Prisma CLI is missing; run `npm install` (with dev dependencies).');
  process.exit(1);
}
const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', 'prisma/schema.prisma'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
process.exit(result.status ?? 1);
