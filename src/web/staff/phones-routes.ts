import type { FastifyInstance } from 'fastify';
import { invalidInput, msg } from '../../errors.js';
import type { PhonesService } from '../../scheduler/phones-service.js';
import type { Clock } from '../../time/clock.js';
import { publicUrls } from '../public-url.js';
import { actorOf, formOf, staff } from './staff-helpers.js';

/** Staff Phones page (issue #6): EM state per phone of a floor, and manual login/logout. */
export async function phonesRoutes(
  app: FastifyInstance,
  opts: {
    phones: PhonesService;
    /** ROOST_PUBLIC_URL, for the phone service URL shown */
    publicUrl: string;
    /** The zone's abbreviation (CET/MEZ) is the one in force now. */
    clock: Clock;
  },
) {
  const idOf = (raw: unknown): number => {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1) throw invalidInput(msg('problem.phones.unknownPhone'));
    return n;
  };
  const back = (form: Record<string, unknown>) => {
    const floorId = Number(form.floorId);
    return Number.isSafeInteger(floorId) && floorId > 0
      ? `/staff/phones?floorId=${floorId}`
      : '/staff/phones';
  };

  app.get<{ Querystring: { floorId?: string; problems?: string } }>(
    '/staff/phones',
    staff,
    async (request, reply) => {
      const raw = request.query.floorId;
      const floorId = raw === undefined || raw === '' ? undefined : Number(raw);
      const view = await opts.phones.floorPhones(Number.isSafeInteger(floorId) ? floorId : undefined);
      // "Problems only": phones with a failure or conflict, unknown to EM, or work overdue.
      const problemsOnly = request.query.problems === '1';
      const phones = problemsOnly
        ? view.phones.filter(
            (p) => p.problem || p.em.unknownDevice || (p.lastOutcome ?? '').includes('EM unreachable'),
          )
        : view.phones;
      return reply.render('staff/phones.eta', {
        ...(view as unknown as Record<string, unknown>),
        phones,
        problemsOnly,
        now: opts.clock.now(),
        // What to enter on the cluster as the IP phone service URL (#DEVICENAME# stays literal).
        phoneServiceUrl: `${publicUrls(opts.publicUrl).to('/phone/services')}?device=#DEVICENAME#`,
      });
    },
  );

  app.post<{ Params: { phoneId: string } }>('/staff/phones/:phoneId/login', staff, async (request, reply) => {
    const form = formOf(request);
    const who = typeof form.who === 'string' ? form.who : undefined;
    const result = await opts.phones.manualLogin(idOf(request.params.phoneId), who, actorOf(request));
    reply.flash(result.ok ? 'success' : 'error', request.say(result.message));
    return reply.redirect(back(form), 303);
  });

  app.post<{ Params: { phoneId: string } }>(
    '/staff/phones/:phoneId/logout',
    staff,
    async (request, reply) => {
      const form = formOf(request);
      const result = await opts.phones.manualLogout(idOf(request.params.phoneId), actorOf(request));
      reply.flash(result.ok ? 'success' : 'error', request.say(result.message));
      return reply.redirect(back(form), 303);
    },
  );
}
