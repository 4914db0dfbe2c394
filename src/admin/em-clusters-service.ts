import type { Actor } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import { invalidFields, msg } from '../errors.js';
import { changeRunner, requireFound, type AdminDeps } from './admin-deps.js';
import { nodeUrlList } from '../scheduler/em-clients.js';
import { asCreated, changes, Fields, pick, type Input } from './validation.js';

/**
 * EM clusters (admin only). The application user's password is never stored: a cluster
 * holds a reference such as "env:ROOST_EM_APP_PASSWORD" that the config module resolves
 * when Roost calls EM, so the database and the audit trail never contain the secret.
 */
export type EmClustersService = ReturnType<typeof createEmClustersService>;

export const API_PROFILES = ['4.1', 'modern'] as const;

/** What a cluster is, for the audit trail and the API (never a password: only where it is). */
export const CLUSTER_FIELDS = [
  'name',
  'serviceUrl',
  'appUser',
  'secretRef',
  'maxConcurrentRequests',
  'concurrencyBudget',
  'loginLeadMinutes',
  'apiProfile',
] as const;
const snapshot = (c: Db.EmCluster) => pick(c, CLUSTER_FIELDS);

function clusterFields(input: Input) {
  const f = new Fields(input);
  const name = f.text('name', 'problem.label.name', { required: true, max: 100 });
  // One or more EM nodes of the cluster, comma-separated (src/em/em-cluster.ts).
  const given = f.text('serviceUrl', 'problem.label.emNodeUrls', { required: true, max: 2000 });
  const nodes = nodeUrlList(given);
  const bad = nodes.find((node) => {
    let url: URL | null;
    try {
      url = new URL(node);
    } catch {
      url = null;
    }
    return !url || !/^https?:$/.test(url.protocol) || !!url.username || !!url.password;
  });
  if (given !== '' && (nodes.length === 0 || bad !== undefined))
    f.fail(
      'serviceUrl',
      'problem.label.emNodeUrls',
      bad ? msg('problem.clusters.badNodeUrl', { url: bad.slice(0, 100) }) : msg('problem.clusters.nodeUrls'),
    );
  const serviceUrl = nodes.join(', ');
  const appUser = f.text('appUser', 'problem.label.applicationUser', { required: true, max: 128 });
  const secretRef = f.text('secretRef', 'problem.label.passwordReference', { required: true, max: 128 });
  if (secretRef !== '' && !/^env:[A-Z_][A-Z0-9_]*$/.test(secretRef))
    f.fail('secretRef', 'problem.label.passwordReference', msg('problem.clusters.secretRef'));
  const maxConcurrentRequests = f.integer(
    'maxConcurrentRequests',
    'problem.label.maximumConcurrentRequests',
    {
      min: 1,
      max: 100,
    },
  );
  const concurrencyBudget = f.integer('concurrencyBudget', 'problem.label.concurrencyBudget', {
    min: 1,
    max: 100,
  });
  if (
    !f.errors.concurrencyBudget &&
    !f.errors.maxConcurrentRequests &&
    concurrencyBudget > maxConcurrentRequests
  )
    f.fail(
      'concurrencyBudget',
      'problem.label.concurrencyBudget',
      msg('problem.clusters.budget', {
        max: maxConcurrentRequests,
        suggested: Math.max(1, maxConcurrentRequests - 1),
      }),
    );
  const loginLeadMinutes = f.integer('loginLeadMinutes', 'problem.label.loginLeadMinutes', {
    min: 0,
    max: 120,
  });
  const apiProfile = f.oneOf('apiProfile', 'problem.label.apiProfile', API_PROFILES);
  f.done();
  return {
    name,
    serviceUrl,
    appUser,
    secretRef,
    maxConcurrentRequests,
    concurrencyBudget,
    loginLeadMinutes,
    apiProfile,
  };
}

const duplicate = (name: string) => invalidFields({ name: msg('problem.clusters.duplicate', { name }) });

export function createEmClustersService(deps: AdminDeps) {
  const { prisma } = deps;
  const change = changeRunner(deps);
  return {
    list() {
      return prisma.emCluster.findMany({
        orderBy: { name: 'asc' },
        include: { _count: { select: { sites: true } } },
      });
    },

    async get(id: number) {
      return requireFound(await prisma.emCluster.findUnique({ where: { id } }), 'emCluster');
    },

    create(actor: Actor, input: Input) {
      const data = clusterFields(input);
      return change(actor, { onDuplicate: () => duplicate(data.name) }, async (tx, audit) => {
        const cluster = await tx.emCluster.create({ data });
        await audit('emCluster.create', 'emCluster', cluster.id, asCreated(snapshot(cluster)));
        return cluster;
      });
    },

    update(actor: Actor, id: number, input: Input) {
      const data = clusterFields(input);
      return change(actor, { onDuplicate: () => duplicate(data.name) }, async (tx, audit) => {
        const before = requireFound(await tx.emCluster.findUnique({ where: { id } }), 'emCluster');
        const cluster = await tx.emCluster.update({ where: { id }, data });
        await audit('emCluster.update', 'emCluster', id, changes(snapshot(before), snapshot(cluster)));
        return cluster;
      });
    },
  };
}
