// The module graph of src/, written down once. `npm run lint` checks every import in src/
// against it (dependency-cruiser, type-only imports included), and `npm run graph` writes
// the README's picture and table from the same `modules` below, so the three cannot drift
// (test/architecture/module-graph.test.ts fails when the README is stale or a forbidden
// import passes).
//
// Each module names what it owns and the modules it may import. Anything not listed is
// forbidden. Tests, benchmarks and scripts are outside the graph.

const { modules, narrower } = require('./scripts/module-graph.cjs');

const entryPath = modules.entry.path;
const allowedRules = Object.entries(modules)
  .filter(([, m]) => !m.may.includes('*'))
  .map(([name, m]) => ({
    name: `${name}-imports`,
    comment: `${name} may import only: ${m.may.join(', ') || 'nothing outside itself'}`,
    severity: 'error',
    from: { path: m.path, pathNot: entryPath },
    to: { path: '^src/', pathNot: [m.path, ...m.may.map((other) => modules[other].path)] },
  }));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...allowedRules,
    ...narrower.map((r) => ({ severity: 'error', ...r })),
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'modules form a graph without cycles',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { path: '^src/' } },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    // Type-only imports count: "no PrismaClient in src/web/" means not even its type.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
