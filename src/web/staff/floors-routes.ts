import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { parseId } from '../../admin/admin-deps.js';
import { markerSize, overlappingDesks } from '../../admin/desk-plan-service.js';
import { DESK_CSV_COLUMNS, type DesksService } from '../../admin/desks-service.js';
import { planDataUrl } from '../../admin/floor-plan.js';
import type { SitesService } from '../../admin/sites-service.js';
import { invalidInput, msg } from '../../errors.js';
import { doneTo, noErrors, staff, submitForm } from './staff-helpers.js';
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

/** An import form shown again: its columns, and the CSV text pasted (a chosen file is not kept). */
export const importPage = (columns: object, values: Record<string, unknown>) => ({
  columns,
  values: { csv: typeof values.csv === 'string' ? values.csv : '' },
});

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
    return submitForm(request, reply, 'staff/floors.eta', floorsPage, async (form, actor) => {
      const floor = await sites.createFloor(actor, form);
      return doneTo(
        reply,
        `/staff/floors/${floor.id}`,
        request.t('flash.floorCreated', { floor: floor.name }),
      );
    });
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
    const again = (floorValues: Record<string, unknown>) => floorPage(id, { floorValues, form: 'floor' });
    return submitForm(request, reply, 'staff/floor.eta', again, async (form, actor) => {
      await sites.updateFloor(actor, id, form);
      return doneTo(reply, `/staff/floors/${id}`, request.t('flash.floorSaved'));
    });
  });

  typed.post('/staff/floors/:id/plan', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'floor');
    return submitForm(
      request,
      reply,
      'staff/floor.eta',
      () => floorPage(id, { form: 'plan' }),
      async (form, actor) => {
        const plan = Buffer.isBuffer(form.plan)
          ? form.plan
          : typeof form.plan === 'string'
            ? form.plan
            : undefined;
        const floor = await sites.uploadPlan(actor, id, plan);
        const size = { width: floor.planWidth, height: floor.planHeight };
        return doneTo(reply, `/staff/floors/${id}`, request.t('flash.planUploaded', size));
      },
    );
  });

  typed.post('/staff/floors/:id/desks', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'floor');
    const again = (deskValues: Record<string, unknown>) => floorPage(id, { deskValues, form: 'desk' });
    return submitForm(request, reply, 'staff/floor.eta', again, async (form, actor) => {
      const desk = await desks.createDesk(actor, id, form);
      return doneTo(reply, `/staff/floors/${id}#desks`, request.t('flash.deskCreated', { desk: desk.label }));
    });
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
    const again = (values: Record<string, unknown>) => importPage(DESK_CSV_COLUMNS, values);
    return submitForm(request, reply, 'staff/desks-import.eta', again, async (form, actor) => {
      const { created, updated } = await desks.importCsv(actor, uploadedText(form, 'file', 'csv'));
      return doneTo(reply, '/staff/floors', request.t('flash.desksImported', { created, updated }));
    });
  });

  typed.get('/staff/desks/:id', staffWithId, async (request, reply) =>
    reply.render('staff/desk.eta', await deskPage(parseId(request.params.id, 'desk'))),
  );

  typed.post('/staff/desks/:id', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'desk');
    const again = (values: Record<string, unknown>) => deskPage(id, values);
    return submitForm(request, reply, 'staff/desk.eta', again, async (form, actor) => {
      const desk = await desks.updateDesk(actor, id, form);
      return doneTo(reply, `/staff/desks/${id}`, request.t('flash.deskSaved', { desk: desk.label }));
    });
  });
}
