import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { API_PROFILES, type EmClustersService } from '../../../admin/em-clusters-service.js';
import { adminOnly, apiActor, asInput, bodyLimit, IdParams, type WithId } from './admin-api-helpers.js';

/** EM clusters (admins only; the list is GET /api/v1/admin/em-clusters in staff-routes.ts). */
const tags = ['admin'];

const fields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  serviceUrl: Type.String({
    minLength: 1,
    maxLength: 500,
    description: 'e.g. https://cucm1.example.com:8443',
  }),
  appUser: Type.String({ minLength: 1, maxLength: 128 }),
  secretRef: Type.String({
    maxLength: 128,
    description: 'Where the password is, never the password: env:VARIABLE_NAME',
  }),
  maxConcurrentRequests: Type.Integer({ minimum: 1, maximum: 100 }),
  concurrencyBudget: Type.Integer({ minimum: 1, maximum: 100 }),
  loginLeadMinutes: Type.Integer({ minimum: 0, maximum: 120 }),
  apiProfile: Type.Union(API_PROFILES.map((p) => Type.Literal(p))),
};
const ClusterBody = Type.Object(
  {
    name: fields.name,
    serviceUrl: fields.serviceUrl,
    appUser: fields.appUser,
    secretRef: fields.secretRef,
    maxConcurrentRequests: Type.Optional(fields.maxConcurrentRequests),
    concurrencyBudget: Type.Optional(fields.concurrencyBudget),
    loginLeadMinutes: Type.Optional(fields.loginLeadMinutes),
    apiProfile: Type.Optional(fields.apiProfile),
  },
  { additionalProperties: false },
);
const ClusterPatch = Type.Partial(ClusterBody, { additionalProperties: false });

type Cluster = Awaited<ReturnType<EmClustersService['get']>>;
/** An EM cluster as the API shows it (never the password: only where it is, secretRef). */
export const clusterJson = (c: Cluster) => ({
  id: c.id,
  name: c.name,
  serviceUrl: c.serviceUrl,
  appUser: c.appUser,
  secretRef: c.secretRef,
  maxConcurrentRequests: c.maxConcurrentRequests,
  concurrencyBudget: c.concurrencyBudget,
  loginLeadMinutes: c.loginLeadMinutes,
  apiProfile: c.apiProfile,
});

export async function emClustersApi(app: FastifyInstance, opts: { clusters: EmClustersService }) {
  const { clusters } = opts;

  app.get(
    '/api/v1/admin/em-clusters/:id',
    { ...adminOnly, schema: { tags, summary: 'One EM cluster (admins)', params: IdParams } },
    async (request: WithId) => clusterJson(await clusters.get(request.params.id)),
  );

  app.post(
    '/api/v1/admin/em-clusters',
    {
      ...adminOnly,
      bodyLimit,
      schema: { tags, summary: 'Create an EM cluster (admins)', body: ClusterBody },
    },
    async (request: FastifyRequest<{ Body: Static<typeof ClusterBody> }>, reply) => {
      const cluster = await clusters.create(
        apiActor(request),
        asInput(request.body, {
          maxConcurrentRequests: 5,
          concurrencyBudget: 4,
          loginLeadMinutes: 10,
          apiProfile: '4.1',
        }),
      );
      reply.status(201).header('location', `/api/v1/admin/em-clusters/${cluster.id}`);
      return clusterJson(cluster);
    },
  );

  app.patch(
    '/api/v1/admin/em-clusters/:id',
    {
      ...adminOnly,
      bodyLimit,
      schema: {
        tags,
        summary: 'Change an EM cluster (admins); fields left out keep their values',
        params: IdParams,
        body: ClusterPatch,
      },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Body: Static<typeof ClusterPatch> }>) => {
      const current = await clusters.get(request.params.id);
      const cluster = await clusters.update(
        apiActor(request),
        current.id,
        asInput(request.body, clusterJson(current)),
      );
      return clusterJson(cluster);
    },
  );
}
