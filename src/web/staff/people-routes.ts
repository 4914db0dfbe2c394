import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseId } from '../../admin/admin-deps.js';
import { PEOPLE_CSV_COLUMNS, ROLES, type PeopleService } from '../../admin/people-service.js';
import type { AuditQuery } from '../../admin/audit-query.js';
import type { PersonHistory } from '../../admin/person-history.js';
import type { SitesService } from '../../admin/sites-service.js';
import { localDate } from '../../time/zones.js';
import { formattersFor } from '../i18n-plugin.js';
import { auditRow } from './audit-sentences.js';
import { importPage, uploadedText } from './floors-routes.js';
import { actorOf, doneTo, noErrors, pageOf, queryString, staff, submitForm } from './staff-helpers.js';
import { IdParams, PageQuery } from '../route-schemas.js';

/** The people list: a search text and a page. */
const PeopleQuery = Type.Object({ q: Type.Optional(Type.String()), page: Type.Optional(Type.String()) });

/** A booking's state in words on a person's history (keys spelled out for the catalogue test). */
const BOOKING_STATUS_KEYS: Record<string, string> = {
  BOOKED: 'staff.person.bookingStatus.BOOKED',
  CHECKED_IN: 'staff.person.bookingStatus.CHECKED_IN',
  CANCELLED: 'staff.person.bookingStatus.CANCELLED',
  RELEASED: 'staff.person.bookingStatus.RELEASED',
  COMPLETED: 'staff.person.bookingStatus.COMPLETED',
  NO_SHOW: 'staff.person.bookingStatus.NO_SHOW',
};

/** How many of the latest changes to the account the person page shows; the rest is in Audit. */
const RECENT_CHANGES = 10;

/**
 * People. New passwords are shown once on the page that answers the POST (not through a
 * redirect and a flash cookie, so the password never sits in a cookie); the page is
 * no-store, so the browser does not keep it either.
 */
export async function peopleRoutes(
  app: FastifyInstance,
  opts: { people: PeopleService; sites: SitesService; audit: AuditQuery; personHistory: PersonHistory },
) {
  const { people, sites, audit, personHistory } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  /** A person's page: ?page= pages their bookings. */
  const staffWithId = { ...staff, schema: { params: IdParams, querystring: PageQuery } };

  typed.get('/staff/people', { ...staff, schema: { querystring: PeopleQuery } }, async (request, reply) => {
    const result = await people.list({ q: request.query.q, page: pageOf(request.query.page) });
    return reply.render('staff/people.eta', {
      ...result,
      prevUrl: result.page > 1 ? `/staff/people${queryString({ q: result.q, page: result.page - 1 })}` : null,
      nextUrl:
        result.page < result.pages
          ? `/staff/people${queryString({ q: result.q, page: result.page + 1 })}`
          : null,
    });
  });

  const newPage = async (
    request: FastifyRequest,
    values: Record<string, unknown> = { role: 'EMPLOYEE' },
  ) => ({
    sites: await sites.listSites(),
    roles: request.user?.role === 'ADMIN' ? ROLES : ROLES.filter((r) => r !== 'ADMIN'),
    values,
    errors: noErrors,
  });

  app.get('/staff/people/new', staff, async (request, reply) =>
    reply.render('staff/person-new.eta', await newPage(request)),
  );

  app.post('/staff/people', staff, async (request, reply) => {
    // A refused form never shows the password typed again.
    const again = ({ password: _omit, ...values }: Record<string, unknown>) => newPage(request, values);
    return submitForm(request, reply, 'staff/person-new.eta', again, async (form, actor) => {
      const { user, password, generated } = await people.create(actor, form);
      reply.status(201);
      return reply.render('staff/password.eta', { person: user, password, generated, created: true });
    });
  });

  app.get('/staff/people/import', staff, async (_request, reply) =>
    reply.render('staff/people-import.eta', { columns: PEOPLE_CSV_COLUMNS, values: {}, errors: noErrors }),
  );

  app.post('/staff/people/import', staff, async (request, reply) => {
    const again = (values: Record<string, unknown>) => importPage(PEOPLE_CSV_COLUMNS, values);
    return submitForm(request, reply, 'staff/people-import.eta', again, async (form, actor) =>
      reply.render(
        'staff/people-imported.eta',
        await people.importCsv(actor, uploadedText(form, 'file', 'csv')),
      ),
    );
  });

  /** The person, their bookings (paged, latest first) and the latest changes to their account. */
  const personPage = async (
    request: FastifyRequest,
    id: number,
    page: string | undefined,
    values?: Record<string, unknown>,
  ) => {
    const person = await people.get(id);
    const fmt = formattersFor(request.lang);
    const t = request.t.bind(request);
    const zone = await audit.zoneOfSite(request.user?.homeSiteId);
    const [bookings, changes] = await Promise.all([
      personHistory.bookings(id, pageOf(page)),
      audit.search({ subjectType: 'user', subjectId: String(id) }, zone),
    ]);
    const base = `/staff/people/${id}`;
    return {
      bookings: {
        ...bookings,
        rows: bookings.rows.map((b) => ({
          ...b,
          when: fmt.range(b.desk.floor.site.timeZone, b.startsAt, b.endsAt),
          day: localDate(b.desk.floor.site.timeZone, b.startsAt),
          statusText: t(BOOKING_STATUS_KEYS[b.status] ?? b.status),
        })),
      },
      changes: changes.events.slice(0, RECENT_CHANGES).map((e) => auditRow(e, t, fmt, changes.zone)),
      changesTotal: changes.total,
      prevUrl: bookings.page > 1 ? `${base}${queryString({ page: bookings.page - 1 })}#bookings` : null,
      nextUrl:
        bookings.page < bookings.pages ? `${base}${queryString({ page: bookings.page + 1 })}#bookings` : null,
      page: bookings.page,
      pages: bookings.pages,
      person,
      sites: await sites.listSites(),
      roles: ROLES,
      mayChangeRole: request.user?.role === 'ADMIN' && request.user.id !== id,
      mayEdit: person.role !== 'ADMIN' || request.user?.role === 'ADMIN',
      values: values ?? {
        displayName: person.displayName,
        role: person.role,
        emUserId: person.emUserId ?? '',
        deviceProfile: person.deviceProfile ?? '',
        homeSiteId: person.homeSiteId ?? '',
        team: person.team ?? '',
        disabled: person.disabled ? 'on' : undefined,
      },
      errors: noErrors,
    };
  };

  typed.get('/staff/people/:id', staffWithId, async (request, reply) =>
    reply.render(
      'staff/person.eta',
      await personPage(request, parseId(request.params.id, 'person'), request.query.page),
    ),
  );

  typed.post('/staff/people/:id', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'person');
    const again = (values: Record<string, unknown>) => personPage(request, id, request.query.page, values);
    return submitForm(request, reply, 'staff/person.eta', again, async (form, actor) => {
      const user = await people.update(actor, id, form);
      return doneTo(reply, `/staff/people/${id}`, request.t('flash.personSaved', { name: user.displayName }));
    });
  });

  typed.post('/staff/people/:id/password', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'person');
    const { user, password } = await people.resetPassword(actorOf(request), id);
    return reply.render('staff/password.eta', { person: user, password, generated: true, created: false });
  });
}
