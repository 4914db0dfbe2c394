import type { FastifyInstance } from 'fastify';

/**
 * Every route of an app as { method, url }, read from Fastify's route tree
 * (`printRoutes({ commonPrefix: false })`, where each line adds its text to its parent's path).
 */
export function listRoutes(app: FastifyInstance): { method: string; url: string }[] {
  const lines = app.printRoutes({ commonPrefix: false }).split('\n');
  const stack: string[] = [];
  const routes: { method: string; url: string }[] = [];
  for (const line of lines) {
    const m = /^([│ ]*)(?:[├└]── )?(.*?)(?: \(([^)]*)\))?$/u.exec(line);
    if (!m || m[2] === undefined || m[2] === '') continue;
    const marker = line.search(/[├└]── /u);
    const depth = marker < 0 ? 0 : marker / 4 + 1;
    const url = (depth > 0 ? (stack[depth - 1] ?? '') : '') + m[2];
    stack[depth] = url;
    stack.length = depth + 1;
    for (const method of (m[3] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      routes.push({ method, url });
  }
  return routes;
}
