// The module graph of src/, written down once: what each module owns and which modules it
// may import. .dependency-cruiser.cjs turns it into rules that `npm run lint` checks, and
// `npm run graph` draws the README's picture and table from it.

/** @type {Record<string, { path: string; owns: string; may: string[] }>} */
const modules = {
  time: {
    path: '^src/time/',
    owns: 'Clock (injectable), wall time <-> UTC, DST rules, minute/day constants',
    may: [],
  },
  log: { path: '^src/log\\.ts$', owns: 'Log: the logger interface modules write to', may: [] },
  errors: { path: '^src/errors\\.ts$', owns: 'RoostError: codes and catalogue messages', may: ['i18n'] },
  config: {
    path: '^src/config\\.ts$',
    owns: 'loadConfig(env): the only reader of process.env',
    may: ['time'],
  },
  db: {
    path: '^src/(db|generated)/',
    owns: 'database (PGlite or PostgreSQL), WASM migrations, Prisma client, plain SQL for hot paths, Postgres error classes',
    may: ['config', 'time', 'errors'],
  },
  i18n: { path: '^src/i18n/', owns: 'catalogues, language choice, formats', may: ['time'] },
  audit: { path: '^src/audit/', owns: 'the audit trail', may: ['db', 'time', 'outbox'] },
  outbox: {
    path: '^src/outbox/',
    owns: 'webhook events, written in the transaction of the change they describe',
    may: ['db'],
  },
  auth: {
    path: '^src/auth/',
    owns: 'argon2id passwords, sessions, API tokens, sign-in throttle',
    may: ['db', 'time', 'errors', 'audit', 'config'],
  },
  account: { path: '^src/account/', owns: "a person's own settings", may: ['db', 'i18n', 'errors'] },
  em: {
    path: '^src/em/',
    owns: 'EM client: XML, safe parsing, error codes, concurrency budget',
    may: ['time', 'errors'],
  },
  emulator: {
    path: '^src/emulator/',
    owns: 'the EM emulator, written from the spec: its own server, state and logout scheduler',
    may: [],
  },
  scheduler: {
    path: '^src/scheduler/',
    owns: 'durable phone actions, tick, login/logout handling, reconciliation',
    may: ['db', 'time', 'errors', 'config', 'audit', 'em', 'outbox'],
  },
  booking: {
    path: '^src/booking/',
    owns: 'booking rules, availability, booking commands and queries',
    may: ['db', 'time', 'errors', 'audit', 'scheduler', 'log'],
  },
  calendar: { path: '^src/calendar/', owns: 'iCalendar feeds', may: ['db', 'time', 'errors', 'i18n'] },
  notify: {
    path: '^src/notify/',
    owns: 'email notices of booking changes',
    may: ['db', 'time', 'config', 'audit', 'calendar', 'booking', 'i18n', 'log'],
  },
  insight: {
    path: '^src/insight/',
    owns: 'occupancy reports and their charts',
    may: ['db', 'time', 'errors', 'i18n'],
  },
  'phone-service': {
    path: '^src/phone-service/',
    owns: 'the desk phone as a check-in point (Cisco XML service)',
    may: ['db', 'time', 'errors', 'i18n', 'auth', 'booking'],
  },
  admin: {
    path: '^src/admin/',
    owns: 'facilities and admin services: sites, desks, people, imports, EM clusters, audit view',
    may: ['db', 'time', 'errors', 'audit', 'auth', 'booking', 'scheduler', 'config', 'i18n'],
  },
  webhooks: {
    path: '^src/webhooks/',
    owns: 'webhook endpoints, the SSRF guard, signed deliveries with retries',
    may: ['db', 'time', 'errors', 'audit', 'outbox', 'log'],
  },
  scim: {
    path: '^src/scim/',
    owns: 'SCIM 2.0 provisioning: Users, Groups (teams and roles), filters, PATCH, SCIM errors',
    may: ['db', 'time', 'errors', 'audit', 'auth', 'admin'],
  },
  demo: {
    path: '^src/demo/',
    owns: 'the demo company, its seed and the emulator fixture derived from it',
    may: ['db', 'time', 'config', 'auth', 'scheduler', 'errors'],
  },
  web: {
    path: '^src/web/',
    owns: 'route modules, access control, rendering, errors -> HTTP; calls services, never the database',
    may: [
      'time',
      'errors',
      'config',
      'i18n',
      'auth',
      'account',
      'booking',
      'calendar',
      'insight',
      'phone-service',
      'admin',
      'scheduler',
      'webhooks',
      'outbox',
      'scim',
    ],
  },
  app: {
    path: '^src/app\\.ts$',
    owns: 'buildApp(deps): plugins, services and routes in a visible order; never listens',
    may: [
      'time',
      'errors',
      'config',
      'db',
      'i18n',
      'auth',
      'account',
      'audit',
      'booking',
      'calendar',
      'insight',
      'notify',
      'phone-service',
      'admin',
      'scheduler',
      'webhooks',
      'scim',
      'web',
    ],
  },
  entry: {
    path: '^src/(server|roost)\\.ts$|^src/db/cli\\.ts$',
    owns: 'npm start and the db CLI: config, database, emulator, app, scheduler',
    may: ['*'],
  },
};

/**
 * Narrower rules inside an allowed edge (STYLE.md): booking reaches the scheduler only to
 * write a booking's phone actions in its own transaction; web reads the scheduler only for
 * the Phones page.
 */
const narrower = [
  {
    name: 'booking-via-scheduler-jobs',
    comment: 'booking/ writes phone actions through scheduler/jobs.ts only',
    from: { path: '^src/booking/' },
    to: { path: '^src/scheduler/', pathNot: '^src/scheduler/jobs\\.ts$' },
  },
  {
    name: 'web-scheduler-phones-only',
    comment: 'web/ uses the scheduler only through its Phones service',
    from: { path: '^src/web/' },
    to: { path: '^src/scheduler/', pathNot: '^src/scheduler/phones-service\\.ts$' },
  },
];

module.exports = { modules, narrower };
