import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { parseId } from '../../admin/admin-deps.js';
import { API_PROFILES, type EmClustersService } from '../../admin/em-clusters-service.js';
import { minutesToHhmm, type SitesService } from '../../admin/sites-service.js';
import { RoostError } from '../../errors.js';
import { adminOnly, doneTo, noErrors, staff, submitForm } from './staff-helpers.js';
import { IdParams } from '../route-schemas.js';

/** A refused password reference may be a password typed by mistake: never echo it back. */
function withoutBadSecret(values: Record<string, unknown>, error: unknown) {
  const fields =
    error instanceof RoostError ? (error.details.fields as Record<string, string> | undefined) : undefined;
  return fields?.secretRef ? { ...values, secretRef: '' } : values;
}

/** Sites, booking policies and (admins only) EM clusters. */
export async function sitesRoutes(
  app: FastifyInstance,
  opts: { sites: SitesService; clusters: EmClustersService },
) {
  const { sites, clusters } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const staffWithId = { ...staff, schema: { params: IdParams } };
  const adminWithId = { ...adminOnly, schema: { params: IdParams } };

  const sitesPage = async (
    values: Record<string, unknown> = { timeZone: '', defaultLanguage: 'en', occupantPrivacy: 'TEAM' },
  ) => ({
    sites: await sites.listSites(),
    clusters: await clusters.list(),
    values,
    errors: noErrors,
  });

  app.get('/staff/sites', staff, async (_request, reply) =>
    reply.render('staff/sites.eta', await sitesPage()),
  );

  app.post('/staff/sites', staff, async (request, reply) => {
    return submitForm(request, reply, 'staff/sites.eta', sitesPage, async (form, actor) => {
      const site = await sites.createSite(actor, form);
      return doneTo(reply, `/staff/sites/${site.id}`, request.t('flash.siteCreated', { site: site.name }));
    });
  });

  const sitePage = async (id: number, values?: Record<string, unknown>) => {
    const site = await sites.getSite(id);
    return {
      site,
      clusters: await clusters.list(),
      values: values ?? {
        name: site.name,
        timeZone: site.timeZone,
        address: site.address,
        emClusterId: site.emClusterId ?? '',
        defaultLanguage: site.defaultLanguage,
        occupantPrivacy: site.occupantPrivacy,
      },
      errors: noErrors,
    };
  };

  typed.get('/staff/sites/:id', staffWithId, async (request, reply) =>
    reply.render('staff/site.eta', await sitePage(parseId(request.params.id, 'site'))),
  );

  typed.post('/staff/sites/:id', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'site');
    const again = (values: Record<string, unknown>) => sitePage(id, values);
    return submitForm(request, reply, 'staff/site.eta', again, async (form, actor) => {
      const site = await sites.updateSite(actor, id, form);
      return doneTo(reply, `/staff/sites/${id}`, request.t('flash.siteSaved', { site: site.name }));
    });
  });

  app.get('/staff/policies', staff, async (_request, reply) => {
    const list = await sites.listSites();
    const policies = await Promise.all(list.map((s) => sites.getPolicy(s.id)));
    return reply.render('staff/policies.eta', {
      policies: policies.map(({ site, policy }) => ({
        site,
        policy,
        hours: `${minutesToHhmm(policy.workdayStartMinute)}–${minutesToHhmm(policy.workdayEndMinute)}`,
      })),
    });
  });

  const policyPage = async (siteId: number, values?: Record<string, unknown>) => {
    const { site, policy } = await sites.getPolicy(siteId);
    return {
      site,
      values: values ?? {
        ...policy,
        workdayStart: minutesToHhmm(policy.workdayStartMinute),
        workdayEnd: minutesToHhmm(policy.workdayEndMinute),
        workingDays: policy.workingDays.map(String),
        releaseNoShowAfterMinutes: policy.releaseNoShowAfterMinutes ?? '',
      },
      errors: noErrors,
    };
  };

  typed.get('/staff/policies/:id', staffWithId, async (request, reply) =>
    reply.render('staff/policy.eta', await policyPage(parseId(request.params.id, 'site'))),
  );

  typed.post('/staff/policies/:id', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'site');
    const again = (values: Record<string, unknown>) => {
      const days = values.workingDays;
      const workingDays = Array.isArray(days) ? days.map(String) : days === undefined ? [] : [String(days)];
      return policyPage(id, { ...values, workingDays });
    };
    return submitForm(request, reply, 'staff/policy.eta', again, async (form, actor) => {
      await sites.updatePolicy(actor, id, form);
      return doneTo(reply, `/staff/policies/${id}`, request.t('flash.policySaved'));
    });
  });

  const clusterDefaults = {
    maxConcurrentRequests: '5',
    concurrencyBudget: '4',
    loginLeadMinutes: '10',
    apiProfile: '4.1',
    secretRef: 'env:ROOST_EM_APP_PASSWORD',
  };
  const clustersPage = async (values: Record<string, unknown> = clusterDefaults) => ({
    clusters: await clusters.list(),
    profiles: API_PROFILES,
    values,
    errors: noErrors,
  });

  app.get('/staff/clusters', adminOnly, async (_request, reply) =>
    reply.render('staff/clusters.eta', await clustersPage()),
  );

  app.post('/staff/clusters', adminOnly, async (request, reply) => {
    const again = (values: Record<string, unknown>, error: unknown) =>
      clustersPage(withoutBadSecret(values, error));
    return submitForm(request, reply, 'staff/clusters.eta', again, async (form, actor) => {
      const cluster = await clusters.create(actor, form);
      const saved = request.t('flash.clusterCreated', { name: cluster.name });
      return doneTo(reply, `/staff/clusters/${cluster.id}`, saved);
    });
  });

  const clusterPage = async (id: number, values?: Record<string, unknown>) => {
    const cluster = await clusters.get(id);
    return { cluster, profiles: API_PROFILES, values: values ?? { ...cluster }, errors: noErrors };
  };

  typed.get('/staff/clusters/:id', adminWithId, async (request, reply) =>
    reply.render('staff/cluster.eta', await clusterPage(parseId(request.params.id, 'emCluster'))),
  );

  typed.post('/staff/clusters/:id', adminWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'emCluster');
    const again = (values: Record<string, unknown>, error: unknown) =>
      clusterPage(id, withoutBadSecret(values, error));
    return submitForm(request, reply, 'staff/cluster.eta', again, async (form, actor) => {
      const cluster = await clusters.update(actor, id, form);
      return doneTo(reply, `/staff/clusters/${id}`, request.t('flash.clusterSaved', { name: cluster.name }));
    });
  });
}
