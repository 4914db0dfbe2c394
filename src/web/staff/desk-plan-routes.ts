import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseId } from '../../admin/admin-deps.js';
import type { DeskPlanService } from '../../admin/desk-plan-service.js';
import { RoostError } from '../../errors.js';
import { actorOf, formOf, staff } from './staff-helpers.js';
import { IdParams } from '../route-schemas.js';

/**
 * The floor-plan editor's forms: move a desk (the editor's drag sends this form with fetch and
 * asks for JSON; without JS it is the desk's X and Y fields), take it in or out of use, remove
 * it. Each is a CSRF-checked POST; the page answers with the floor again and what happened.
 */
export async function deskPlanRoutes(app: FastifyInstance, opts: { deskPlan: DeskPlanService }) {
  const { deskPlan } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const staffWithId = { ...staff, schema: { params: IdParams } };
  const wantsJson = (request: FastifyRequest) => (request.headers.accept ?? '').includes('application/json');
  const backToFloor = (reply: FastifyReply, floorId: number) =>
    reply.redirect(`/staff/floors/${floorId}#plan`, 303);

  typed.post('/staff/desks/:id/position', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'desk');
    try {
      const desk = await deskPlan.moveDesk(actorOf(request), id, formOf(request));
      if (wantsJson(request))
        return {
          id: desk.id,
          posX: desk.posX,
          posY: desk.posY,
          overlaps: (await deskPlan.floorOverlaps(desk.floorId)).map(([a, b]) =>
            request.t('staff.plan.overlapPair', { a, b }),
          ),
          message: request.t('staff.plan.moved', { desk: desk.label, x: desk.posX, y: desk.posY }),
        };
      reply.flash('success', request.t('staff.plan.moved', { desk: desk.label, x: desk.posX, y: desk.posY }));
      return backToFloor(reply, desk.floorId);
    } catch (error) {
      if (wantsJson(request) && error instanceof RoostError && error.code === 'INVALID_INPUT')
        return reply.status(400).send({ message: request.say(error.text) });
      throw error;
    }
  });

  typed.post('/staff/desks/:id/bookable', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'desk');
    const bookable = formOf(request).bookable === 'on';
    const desk = await deskPlan.setBookable(actorOf(request), id, bookable);
    reply.flash(
      'success',
      request.t(bookable ? 'staff.plan.enabled' : 'staff.plan.disabled', { desk: desk.label }),
    );
    return backToFloor(reply, desk.floorId);
  });

  typed.post('/staff/desks/:id/remove', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'desk');
    try {
      const desk = await deskPlan.removeDesk(actorOf(request), id);
      reply.flash('success', request.t('staff.plan.removed', { desk: desk.label }));
      return backToFloor(reply, desk.floorId);
    } catch (error) {
      if (!(error instanceof RoostError) || error.code !== 'INVALID_INPUT') throw error;
      reply.flash('error', request.say(error.text));
      return reply.redirect(`/staff/desks/${id}`, 303);
    }
  });
}
