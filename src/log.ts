/**
 * What modules write to the log through: Fastify's Pino logger or a child of it, a stub in
 * tests. A short constant message; the facts go in the fields object (STYLE.md, Logging).
 * A module asks only for the levels it uses, e.g. `Pick<Log, 'info' | 'warn'>`.
 */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
