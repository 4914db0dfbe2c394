import { recordAudit, type Actor } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import { invalidFields, msg } from '../errors.js';
import { isUniqueViolation, requireFound, TX_OPTIONS, type AdminDeps } from './admin-deps.js';
import { nodeUrlList } from '../scheduler/em-clients.js';
import { changes, Fields, pick, type Input } from './validation.js';

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

export function createEmClustersService({ prisma, clock }: AdminDeps) {
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

    async create(actor: Actor, input: Input) {
      const data = clusterFields(input);
      try {
        return await prisma.$transaction(async (tx) => {
          if (await tx.emCluster.findUnique({ where: { name: data.name } })) throw duplicate(data.name);
          const cluster = await tx.emCluster.create({ data });
          await recordAudit(
            tx,
            actor,
            {
              action: 'emCluster.create',
              subjectType: 'emCluster',
              subjectId: cluster.id,
              details: { before: null, after: snapshot(cluster) },
            },
            clock.now(),
          );
          return cluster;
        }, TX_OPTIONS);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicate(data.name);
        throw error;
      }
    },

    async update(actor: Actor, id: number, input: Input) {
      const data = clusterFields(input);
      try {
        return await prisma.$transaction(async (tx) => {
          const before = requireFound(await tx.emCluster.findUnique({ where: { id } }), 'emCluster');
          const clash = await tx.emCluster.findUnique({ where: { name: data.name } });
          if (clash && clash.id !== id) throw duplicate(data.name);
          const cluster = await tx.emCluster.update({ where: { id }, data });
          await recordAudit(
            tx,
            actor,
            {
              action: 'emCluster.update',
              subjectType: 'emCluster',
              subjectId: id,
              details: changes(snapshot(before), snapshot(cluster)),
            },
            clock.now(),
          );
          return cluster;
        }, TX_OPTIONS);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicate(data.name);
        throw error;
      }
    },
  };
}
