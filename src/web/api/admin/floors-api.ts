import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { DESK_FIELDS, type DesksService } from '../../../admin/desks-service.js';
import { MAX_PLAN_BYTES } from '../../../admin/floor-plan.js';
import type { SitesService } from '../../../admin/sites-service.js';
import { pick } from '../../../admin/validation.js';
import { notFound } from '../../../errors.js';
import { apiActor, asInput, bodyLimit, IdParams, resourceRoutes } from './admin-api-helpers.js';

/** Floors, their SVG plans, and desks with their phones (the Floors & desks pages as JSON). */
const tags = ['admin'];

const FloorBody = Type.Object(
  {
    siteId: Type.Integer({ minimum: 1 }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    level: Type.Optional(Type.Integer({ minimum: -20, maximum: 300 })),
  },
  { additionalProperties: false },
);
const FloorPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    level: Type.Optional(Type.Integer({ minimum: -20, maximum: 300 })),
    planWidth: Type.Optional(Type.Integer({ minimum: 10, maximum: 100_000 })),
    planHeight: Type.Optional(Type.Integer({ minimum: 10, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

const DeviceName = Type.Union([
  Type.String({ maxLength: 20, description: 'Cisco device name, SEP + 12 hex digits' }),
  Type.Null(),
]);
const deskFields = {
  label: Type.String({ minLength: 1, maxLength: 40 }),
  features: Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 30 }),
  bookable: Type.Boolean({ description: 'false takes the desk out of use (nobody can book it)' }),
  posX: Type.Number({ minimum: 0, maximum: 100_000 }),
  posY: Type.Number({ minimum: 0, maximum: 100_000 }),
  phone: DeviceName,
  phoneModel: Type.String({ maxLength: 60 }),
};
const DeskBody = Type.Object(
  {
    label: deskFields.label,
    features: Type.Optional(deskFields.features),
    bookable: Type.Optional(deskFields.bookable),
    posX: Type.Optional(deskFields.posX),
    posY: Type.Optional(deskFields.posY),
    phone: Type.Optional(deskFields.phone),
    phoneModel: Type.Optional(deskFields.phoneModel),
  },
  { additionalProperties: false },
);
const DeskPatch = Type.Partial(DeskBody, { additionalProperties: false });

type Desk = {
  id: number;
  floorId: number;
  label: string;
  features: string[];
  bookable: boolean;
  posX: number;
  posY: number;
  phone: { deviceName: string; model: string } | null;
};
export const deskJson = (d: Desk) => ({
  id: d.id,
  ...pick(d, DESK_FIELDS),
  phone: d.phone ? { deviceName: d.phone.deviceName, model: d.phone.model } : null,
});

const floorJson = (f: {
  id: number;
  siteId: number;
  name: string;
  level: number;
  planWidth: number;
  planHeight: number;
  planSvg: string | null;
}) => ({
  id: f.id,
  siteId: f.siteId,
  name: f.name,
  level: f.level,
  planWidth: f.planWidth,
  planHeight: f.planHeight,
  hasPlan: f.planSvg !== null,
});

/** The desk form's fields from JSON: features as the "a; b" list the form takes. */
function featureList(input: Record<string, unknown>) {
  if (Array.isArray(input.features)) input.features = (input.features as string[]).join('; ');
  return input;
}

export async function floorsApi(app: FastifyInstance, opts: { sites: SitesService; desks: DesksService }) {
  const { sites, desks } = opts;
  const floor = resourceRoutes(app, { base: '/api/v1/admin/floors', access: 'staff', tags });
  const desk = resourceRoutes(app, { base: '/api/v1/admin/desks', access: 'staff', tags });
  const { api, config } = floor;

  // Only here: a floor plan arrives as the SVG itself.
  app.addContentTypeParser(
    'image/svg+xml',
    { parseAs: 'string', bodyLimit: MAX_PLAN_BYTES },
    (_request, body, done) => done(null, body),
  );

  floor.list('Every floor with its site and number of desks', undefined, async () => ({
    floors: (await sites.listFloors()).map((f) => ({
      id: f.id,
      name: f.name,
      level: f.level,
      site: f.site,
      desks: f._count.desks,
    })),
  }));

  floor.create({ summary: 'Create a floor on a site' }, FloorBody, async (actor, body) =>
    floorJson(await sites.createFloor(actor, asInput(body, { level: 0 }))),
  );

  floor.remove('Delete a floor that has no desks (409 while it has some)', sites.deleteFloor);

  floor.update({ summary: 'Change a floor; fields left out keep their values' }, FloorPatch, {
    current: async (id) => {
      const { name, level, planWidth, planHeight } = await sites.getFloor(id);
      return { name, level, planWidth, planHeight };
    },
    save: async (actor, id, input) => floorJson(await sites.updateFloor(actor, id, input)),
  });

  api.get(
    '/api/v1/admin/floors/:id/plan',
    { config, schema: { tags, summary: "The floor's SVG plan (404 when it has none)", params: IdParams } },
    async (request, reply) => {
      const f = await sites.getFloor(request.params.id);
      if (!f.planSvg) throw notFound('plan', f.id);
      return reply
        .type('image/svg+xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="floor-${f.id}.svg"`)
        .send(f.planSvg);
    },
  );

  api.put(
    '/api/v1/admin/floors/:id/plan',
    {
      config,
      bodyLimit: MAX_PLAN_BYTES,
      schema: {
        tags,
        summary: 'Upload the floor plan: send the SVG (at most 1 MiB) with Content-Type image/svg+xml',
        description:
          'Scripts, event handlers and outside references are refused (400), as on the Floors page.',
        params: IdParams,
      },
    },
    async (request) => {
      const body = typeof request.body === 'string' ? request.body : undefined;
      return floorJson(await sites.uploadPlan(apiActor(request), request.params.id, body));
    },
  );

  api.post(
    '/api/v1/admin/floors/:id/desks',
    {
      config,
      bodyLimit,
      schema: { tags, summary: 'Add a desk (and its phone) to a floor', params: IdParams, body: DeskBody },
    },
    async (request, reply) => {
      const defaults = { features: '', bookable: true, posX: 0, posY: 0, phone: '', phoneModel: '' };
      const created = await desks.createDesk(
        apiActor(request),
        request.params.id,
        featureList(asInput(request.body, defaults)),
      );
      reply.status(201).header('location', `/api/v1/admin/desks/${created.id}`);
      return deskJson(created);
    },
  );

  desk.read('A desk with its phone', async (id) => deskJson(await desks.getDesk(id)));

  desk.update(
    {
      summary: 'Change a desk or its phone; `bookable: false` disables it, `phone: null` takes the phone off',
    },
    DeskPatch,
    {
      current: async (id) => {
        const d = await desks.getDesk(id);
        return {
          label: d.label,
          features: d.features.join('; '),
          bookable: d.bookable,
          posX: d.posX,
          posY: d.posY,
          phone: d.phone?.deviceName ?? '',
          phoneModel: d.phone?.model ?? '',
        };
      },
      save: async (actor, id, input) => deskJson(await desks.updateDesk(actor, id, featureList(input))),
    },
  );
}
