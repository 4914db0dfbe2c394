import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DesksService } from '../../../admin/desks-service.js';
import { MAX_PLAN_BYTES } from '../../../admin/floor-plan.js';
import type { SitesService } from '../../../admin/sites-service.js';
import { notFound } from '../../../errors.js';
import { apiActor, asInput, bodyLimit, IdParams, staff, type WithId } from './admin-api-helpers.js';

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
  floorId: d.floorId,
  label: d.label,
  features: d.features,
  bookable: d.bookable,
  posX: d.posX,
  posY: d.posY,
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
function deskInput(body: Record<string, unknown>, base: Record<string, unknown>) {
  const input = asInput(body, base);
  if (Array.isArray(input.features)) input.features = (input.features as string[]).join('; ');
  return input;
}

export async function floorsApi(app: FastifyInstance, opts: { sites: SitesService; desks: DesksService }) {
  const { sites, desks } = opts;

  // Only here: a floor plan arrives as the SVG itself.
  app.addContentTypeParser(
    'image/svg+xml',
    { parseAs: 'string', bodyLimit: MAX_PLAN_BYTES },
    (_request, body, done) => done(null, body),
  );

  app.get(
    '/api/v1/admin/floors',
    { ...staff, schema: { tags, summary: 'Every floor with its site and number of desks' } },
    async () => ({
      floors: (await sites.listFloors()).map((f) => ({
        id: f.id,
        name: f.name,
        level: f.level,
        site: f.site,
        desks: f._count.desks,
      })),
    }),
  );

  app.post(
    '/api/v1/admin/floors',
    { ...staff, bodyLimit, schema: { tags, summary: 'Create a floor on a site', body: FloorBody } },
    async (request: FastifyRequest<{ Body: Static<typeof FloorBody> }>, reply) => {
      const floor = await sites.createFloor(apiActor(request), asInput(request.body, { level: 0 }));
      reply.status(201).header('location', `/api/v1/admin/floors/${floor.id}`);
      return floorJson(floor);
    },
  );

  app.delete(
    '/api/v1/admin/floors/:id',
    {
      ...staff,
      schema: { tags, summary: 'Delete a floor that has no desks (409 while it has some)', params: IdParams },
    },
    async (request: FastifyRequest<{ Params: { id: number } }>, reply) => {
      await sites.deleteFloor(apiActor(request), request.params.id);
      return reply.status(204).send();
    },
  );

  app.patch(
    '/api/v1/admin/floors/:id',
    {
      ...staff,
      bodyLimit,
      schema: {
        tags,
        summary: 'Change a floor; fields left out keep their values',
        params: IdParams,
        body: FloorPatch,
      },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Body: Static<typeof FloorPatch> }>) => {
      const f = await sites.getFloor(request.params.id);
      const floor = await sites.updateFloor(
        apiActor(request),
        f.id,
        asInput(request.body, {
          name: f.name,
          level: f.level,
          planWidth: f.planWidth,
          planHeight: f.planHeight,
        }),
      );
      return floorJson(floor);
    },
  );

  app.get(
    '/api/v1/admin/floors/:id/plan',
    { ...staff, schema: { tags, summary: "The floor's SVG plan (404 when it has none)", params: IdParams } },
    async (request: WithId, reply) => {
      const floor = await sites.getFloor(request.params.id);
      if (!floor.planSvg) throw notFound('plan', floor.id);
      return reply
        .type('image/svg+xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="floor-${floor.id}.svg"`)
        .send(floor.planSvg);
    },
  );

  app.put(
    '/api/v1/admin/floors/:id/plan',
    {
      ...staff,
      bodyLimit: MAX_PLAN_BYTES,
      schema: {
        tags,
        summary: 'Upload the floor plan: send the SVG (at most 1 MiB) with Content-Type image/svg+xml',
        description:
          'Scripts, event handlers and outside references are refused (400), as on the Floors page.',
        params: IdParams,
      },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Body: unknown }>) => {
      const body = typeof request.body === 'string' ? request.body : undefined;
      const floor = await sites.uploadPlan(apiActor(request), request.params.id, body);
      return floorJson(floor);
    },
  );

  app.post(
    '/api/v1/admin/floors/:id/desks',
    {
      ...staff,
      bodyLimit,
      schema: { tags, summary: 'Add a desk (and its phone) to a floor', params: IdParams, body: DeskBody },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Body: Static<typeof DeskBody> }>, reply) => {
      const desk = await desks.createDesk(
        apiActor(request),
        request.params.id,
        deskInput(request.body, {
          features: '',
          bookable: true,
          posX: 0,
          posY: 0,
          phone: '',
          phoneModel: '',
        }),
      );
      reply.status(201).header('location', `/api/v1/admin/desks/${desk.id}`);
      return deskJson(desk);
    },
  );

  app.get(
    '/api/v1/admin/desks/:id',
    { ...staff, schema: { tags, summary: 'A desk with its phone', params: IdParams } },
    async (request: WithId) => deskJson(await desks.getDesk(request.params.id)),
  );

  app.patch(
    '/api/v1/admin/desks/:id',
    {
      ...staff,
      bodyLimit,
      schema: {
        tags,
        summary:
          'Change a desk or its phone; `bookable: false` disables it, `phone: null` takes the phone off',
        params: IdParams,
        body: DeskPatch,
      },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Body: Static<typeof DeskPatch> }>) => {
      const d = await desks.getDesk(request.params.id);
      const desk = await desks.updateDesk(
        apiActor(request),
        d.id,
        deskInput(request.body, {
          label: d.label,
          features: d.features.join('; '),
          bookable: d.bookable,
          posX: d.posX,
          posY: d.posY,
          phone: d.phone?.deviceName ?? '',
          phoneModel: d.phone?.model ?? '',
        }),
      );
      return deskJson(desk);
    },
  );
}
