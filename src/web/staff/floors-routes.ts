import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { parseId } from '../../admin/admin-deps.js';
import { markerSize, overlappingDesks } from '../../admin/desk-plan-service.js';
import { DESK_CSV_COLUMNS, type DesksService } from '../../admin/desks-service.js';
import { planDataUrl } from '../../admin/floor-plan.js';
import type { SitesService } from '../../admin/sites-service.js';
import { invalidInput, msg } from '../../errors.js';
import { actorOf, formOf, noErrors, rerender, staff, valuesOf } from './staff-helpers.js';
import { IdParams } from '../route-schemas.js';

/** Text of an uploaded file field, or of a pasted textarea when no file was chosen. */
export function uploadedText(form: Record<string, unknown>, fileField: string, textField: string): string {
  const file = form[fileField];
  if (Buffer.isBuffer(file) && file.length > 0) return file.toString('utf8');
  const text = form[textField];
  if (typeof text === 'string' && text.trim() !== '') return text;
  throw invalidInput(msg('problem.upload.csvMissing'), {
    fields: { [fileField]: msg('problem.upload.csvMissing') },
  });
}

/** Floors with their plans, and desks with their phones; desk CSV import. */
export async function floorsRoutes(app: FastifyInstance, opts: { sites: SitesService; desks: DesksService }) {
  const { sites, desks } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const staffWithId = { ...staff, schema: { params: IdParams } };

  const floorsPage = async (values: Record<string, unknown> = { level: '0' }) => ({
    floors: await sites.listFloors(),
    sites: await sites.listSites(),
    values,
    errors: noErrors,
  });

  app.get('/staff/floors', staff, async (_request, reply) =>
    reply.render('staff/floors.eta', await floorsPage()),
  );

  app.post('/staff/floors', staff, async (request, reply) => {
    const form = formOf(request);
    try {
      const floor = await sites.createFloor(actorOf(request), form);
      return reply
        .flash('success', request.t('flash.floorCreated', { floor: floor.name }))
        .redirect(`/staff/floors/${floor.id}`, 303);
    } catch (error) {
      return rerender(error, reply, 'staff/floors.eta', () => floorsPage(valuesOf(form)));
    }
  });

  const floorPage = async (
    id: number,
    overrides: {
      deskValues?: Record<string, unknown>;
      floorValues?: Record<string, unknown>;
      form?: string;
    } = {},
  ) => {
    const floor = await sites.getFloor(id);
    return {
      floor,
      planUrl: floor.planSvg ? planDataUrl(floor.planSvg) : null,
      marker: markerSize(floor),
      overlaps: overlappingDesks(floor.desks, markerSize(floor)),
      deskValues: overrides.deskValues ?? { bookable: 'on', posX: '', posY: '' },
      floorValues: overrides.floorValues ?? {
        name: floor.name,
        level: floor.level,
        planWidth: floor.planWidth,
        planHeight: floor.planHeight,
      },
      // Which form the errors belong to: "desk", "floor" or "plan".
      form: overrides.form ?? null,
      errors: noErrors,
    };
  };

  typed.get('/staff/floors/:id', staffWithId, async (request, reply) =>
    reply.render('staff/floor.eta', await floorPage(parseId(request.params.id, 'floor'))),
  );

  typed.post('/staff/floors/:id', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'floor');
    const form = formOf(request);
    try {
      await sites.updateFloor(actorOf(request), id, form);
      return reply.flash('success', request.t('flash.floorSaved')).redirect(`/staff/floors/${id}`, 303);
    } catch (error) {
      return rerender(error, reply, 'staff/floor.eta', () =>
        floorPage(id, { floorValues: valuesOf(form), form: 'floor' }),
      );
    }
  });

  typed.post('/staff/floors/:id/plan', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'floor');
    const form = formOf(request);
    try {
      const plan = form.plan;
      const floor = await sites.uploadPlan(
        actorOf(request),
        id,
        Buffer.isBuffer(plan) ? plan : typeof plan === 'string' ? plan : undefined,
      );
      return reply
        .flash(
          'success',
          request.t('flash.planUploaded', { width: floor.planWidth, height: floor.planHeight }),
        )
        .redirect(`/staff/floors/${id}`, 303);
    } catch (error) {
      return rerender(error, reply, 'staff/floor.eta', () => floorPage(id, { form: 'plan' }));
    }
  });

  typed.post('/staff/floors/:id/desks', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'floor');
    const form = formOf(request);
    try {
      const desk = await desks.createDesk(actorOf(request), id, form);
      return reply
        .flash('success', request.t('flash.deskCreated', { desk: desk.label }))
        .redirect(`/staff/floors/${id}#desks`, 303);
    } catch (error) {
      return rerender(error, reply, 'staff/floor.eta', () =>
        floorPage(id, { deskValues: valuesOf(form), form: 'desk' }),
      );
    }
  });

  const deskPage = async (id: number, values?: Record<string, unknown>) => {
    const desk = await desks.getDesk(id);
    const floor = await sites.getFloor(desk.floorId);
    return {
      desk,
      floor,
      planUrl: floor.planSvg ? planDataUrl(floor.planSvg) : null,
      marker: markerSize(floor),
      values: values ?? {
        label: desk.label,
        features: desk.features.join('; '),
        bookable: desk.bookable ? 'on' : undefined,
        posX: desk.posX,
        posY: desk.posY,
        phone: desk.phone?.deviceName ?? '',
        phoneModel: desk.phone?.model ?? '',
      },
      errors: noErrors,
    };
  };

  app.get('/staff/desks/import', staff, async (_request, reply) =>
    reply.render('staff/desks-import.eta', { columns: DESK_CSV_COLUMNS, values: {}, errors: noErrors }),
  );

  app.post('/staff/desks/import', staff, async (request, reply) => {
    const form = formOf(request);
    try {
      const result = await desks.importCsv(actorOf(request), uploadedText(form, 'file', 'csv'));
      return reply
        .flash(
          'success',
          request.t('flash.desksImported', { created: result.created, updated: result.updated }),
        )
        .redirect('/staff/floors', 303);
    } catch (error) {
      return rerender(error, reply, 'staff/desks-import.eta', () => ({
        columns: DESK_CSV_COLUMNS,
        values: { csv: typeof form.csv === 'string' ? form.csv : '' },
      }));
    }
  });

  typed.get('/staff/desks/:id', staffWithId, async (request, reply) =>
    reply.render('staff/desk.eta', await deskPage(parseId(request.params.id, 'desk'))),
  );

  typed.post('/staff/desks/:id', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'desk');
    const form = formOf(request);
    try {
      const desk = await desks.updateDesk(actorOf(request), id, form);
      return reply
        .flash('success', request.t('flash.deskSaved', { desk: desk.label }))
        .redirect(`/staff/desks/${id}`, 303);
    } catch (error) {
      return rerender(error, reply, 'staff/desk.eta', () => deskPage(id, valuesOf(form)));
    }
  });
}
