import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { API_PROFILES, CLUSTER_FIELDS, type EmClustersService } from '../../../admin/em-clusters-service.js';
import { pick } from '../../../admin/validation.js';
import { asInput, resourceRoutes } from './admin-api-helpers.js';

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
export const clusterJson = (c: Cluster) => ({ id: c.id, ...pick(c, CLUSTER_FIELDS) });

export async function emClustersApi(app: FastifyInstance, opts: { clusters: EmClustersService }) {
  const { clusters } = opts;
  const cluster = resourceRoutes(app, { base: '/api/v1/admin/em-clusters', access: 'admin', tags });

  cluster.read('One EM cluster (admins)', async (id) => clusterJson(await clusters.get(id)));

  cluster.create({ summary: 'Create an EM cluster (admins)' }, ClusterBody, async (actor, body) => {
    const defaults = {
      maxConcurrentRequests: 5,
      concurrencyBudget: 4,
      loginLeadMinutes: 10,
      apiProfile: '4.1',
    };
    return clusterJson(await clusters.create(actor, asInput(body, defaults)));
  });

  cluster.update(
    { summary: 'Change an EM cluster (admins); fields left out keep their values' },
    ClusterPatch,
    {
      current: async (id) => clusterJson(await clusters.get(id)),
      save: async (actor, id, input) => clusterJson(await clusters.update(actor, id, input)),
    },
  );
}
