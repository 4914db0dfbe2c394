import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createUser } from '../helpers/factories.js';

const cleanPlan =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 900 500"><rect x="0" y="0" width="900" height="500" fill="none" stroke="#000"/></svg>';

/** A multipart form as a browser sends it (one file at most). */
function multipart(
  fields: Record<string, string>,
  file?: { name: string; filename: string; type: string; content: string },
) {
  const boundary = '----roostTestBoundary7MA4YWxkTrZu0gW';
  const parts = Object.entries(fields).map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
  );
  if (file)
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n${file.content}\r\n`,
    );
  return {
    payload: `${parts.join('')}--${boundary}--\r\n`,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

describe.each(dbTargets)('staff pages (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let staff: Browser;
  const clock = createManualClock('2026-12-01T08:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, clock);
    const facilities = await createUser(db.prisma, { role: 'FACILITIES', email: 'fm@test.example' });
    staff = new Browser(app);
    await staff.signIn(facilities.email);
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  async function upload(
    url: string,
    csrfFrom: string,
    file: { name: string; filename: string; type: string; content: string },
    csrf?: string | null,
  ) {
    const token = csrf === undefined ? await staff.csrfFrom(csrfFrom) : csrf;
    const body = multipart(token ? { _csrf: token } : {}, file);
    return app.inject({
      method: 'POST',
      url,
      payload: body.payload,
      headers: {
        'content-type': body.contentType,
        cookie: [...staff.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        accept: 'text/html',
      },
    });
  }

  let siteId: number;
  let floorId: number;

  it('creates a site, which appears in the list, and audits it with before/after', async () => {
    const res = await staff.post(
      '/staff/sites',
      { name: 'Berlin HQ', timeZone: 'Europe/Berlin', address: 'Alexanderplatz 1' },
      { csrfFrom: '/staff/sites' },
    );
    expect(res.statusCode).toBe(303);
    const site = await db.prisma.site.findUniqueOrThrow({
      where: { name: 'Berlin HQ' },
      include: { policy: true },
    });
    siteId = site.id;
    expect(site.timeZone).toBe('Europe/Berlin');
    expect(site.policy).not.toBeNull();
    expect(res.headers.location).toBe(`/staff/sites/${site.id}`);
    const list = await staff.get('/staff/sites');
    expect(list.body).toContain('Berlin HQ');
    expect(list.body).toContain('Site Berlin HQ created.');
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'site.create', subjectId: String(site.id) },
    });
    expect(event.actorLabel).toBe('fm@test.example');
    expect(event.details).toMatchObject({
      before: null,
      after: { name: 'Berlin HQ', timeZone: 'Europe/Berlin' },
    });
  });

  it('re-renders the site form with the input and field errors for a bad time zone', async () => {
    const res = await staff.post(
      '/staff/sites',
      { name: 'Moon base', timeZone: 'Moon/Crater' },
      { csrfFrom: '/staff/sites' },
    );
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="error-summary"');
    expect(res.body).toMatch(/&quot;Moon\/Crater&quot; is not an IANA time zone/);
    expect(res.body).toContain('value="Moon base"');
    expect(res.body).toMatch(/aria-describedby="f-timeZone-hint f-timeZone-error"/);
    expect(await db.prisma.site.count({ where: { name: 'Moon base' } })).toBe(0);
  });

  it('edits a site and records only what changed', async () => {
    const res = await staff.post(
      `/staff/sites/${siteId}`,
      { name: 'Berlin HQ', timeZone: 'Europe/Berlin', address: 'Neue Adresse 2' },
      { csrfFrom: `/staff/sites/${siteId}` },
    );
    expect(res.statusCode).toBe(303);
    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'site.update' } });
    expect(event.details).toEqual({
      before: { address: 'Alexanderplatz 1' },
      after: { address: 'Neue Adresse 2' },
    });
  });

  it('creates a floor and a desk with a phone (typed lower case), and the desk is bookable', async () => {
    const f = await staff.post(
      '/staff/floors',
      { siteId: String(siteId), name: '3rd floor', level: '3' },
      { csrfFrom: '/staff/floors' },
    );
    expect(f.statusCode).toBe(303);
    const floor = await db.prisma.floor.findFirstOrThrow({ where: { siteId, name: '3rd floor' } });
    floorId = floor.id;
    const d = await staff.post(
      `/staff/floors/${floorId}/desks`,
      {
        label: '3.01',
        features: 'Dual-monitor; standing',
        bookable: 'on',
        posX: '120',
        posY: '80',
        phone: 'sep0a1b2c3d4e5f',
        phoneModel: '',
      },
      { csrfFrom: `/staff/floors/${floorId}` },
    );
    expect(d.statusCode).toBe(303);
    const desk = await db.prisma.desk.findFirstOrThrow({
      where: { floorId, label: '3.01' },
      include: { phone: true },
    });
    expect(desk).toMatchObject({
      bookable: true,
      features: ['dual-monitor', 'standing'],
      posX: 120,
      posY: 80,
    });
    expect(desk.phone).toMatchObject({ deviceName: 'SEP0A1B2C3D4E5F', model: 'Cisco 8865' });
    const page = await staff.get(`/staff/floors/${floorId}`);
    expect(page.body).toContain('3.01');
    expect(page.body).toContain('SEP0A1B2C3D4E5F');
    expect(page.body).toContain('data-plan-editor');
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'desk.create', subjectId: String(desk.id) },
    });
    expect(event.details).toMatchObject({ before: null, after: { label: '3.01', phone: 'SEP0A1B2C3D4E5F' } });
  });

  it('refuses a phone that is on another desk and a bad device name, naming the problem', async () => {
    const clash = await staff.post(
      `/staff/floors/${floorId}/desks`,
      { label: '3.02', posX: '10', posY: '10', phone: 'SEP0A1B2C3D4E5F' },
      { csrfFrom: `/staff/floors/${floorId}` },
    );
    expect(clash.statusCode).toBe(400);
    expect(clash.body).toMatch(/Phone SEP0A1B2C3D4E5F is already on desk 3.01 \(3rd floor\)/);
    const bad = await staff.post(
      `/staff/floors/${floorId}/desks`,
      { label: '3.02', posX: '10', posY: '10', phone: 'sep12' },
      { csrfFrom: `/staff/floors/${floorId}` },
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/not a Cisco device name.*upper-cased for you/);
    expect(await db.prisma.desk.count({ where: { floorId, label: '3.02' } })).toBe(0);
  });

  it('moves a desk and its phone; the audit keeps before and after', async () => {
    const desk = await db.prisma.desk.findFirstOrThrow({ where: { floorId, label: '3.01' } });
    const res = await staff.post(
      `/staff/desks/${desk.id}`,
      { label: '3.01', features: 'standing', posX: '300', posY: '200', phone: 'SEP00000000BEEF' },
      { csrfFrom: `/staff/desks/${desk.id}` },
    );
    expect(res.statusCode).toBe(303);
    const after = await db.prisma.desk.findUniqueOrThrow({
      where: { id: desk.id },
      include: { phone: true },
    });
    expect(after).toMatchObject({ bookable: false, posX: 300, posY: 200 });
    expect(after.phone?.deviceName).toBe('SEP00000000BEEF');
    expect(
      await db.prisma.phone.findUniqueOrThrow({ where: { deviceName: 'SEP0A1B2C3D4E5F' } }),
    ).toMatchObject({ deskId: null });
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'desk.update', subjectId: String(desk.id) },
    });
    expect(event.details).toMatchObject({
      before: { posX: 120, phone: 'SEP0A1B2C3D4E5F', bookable: true, features: ['dual-monitor', 'standing'] },
      after: { posX: 300, phone: 'SEP00000000BEEF', bookable: false, features: ['standing'] },
    });
  });

  it('uploads a clean SVG plan through multipart with the CSRF token as a form field', async () => {
    const res = await upload(`/staff/floors/${floorId}/plan`, `/staff/floors/${floorId}`, {
      name: 'plan',
      filename: 'plan.svg',
      type: 'image/svg+xml',
      content: cleanPlan,
    });
    expect(res.statusCode).toBe(303);
    const floor = await db.prisma.floor.findUniqueOrThrow({ where: { id: floorId } });
    expect(floor).toMatchObject({ planSvg: cleanPlan, planWidth: 900, planHeight: 500 });
    const page = await staff.get(`/staff/floors/${floorId}`);
    expect(page.body).toContain(
      `href="data:image/svg+xml;base64,${Buffer.from(cleanPlan).toString('base64')}"`,
    );
    expect(page.body).not.toContain('<rect x="0" y="0" width="900" height="500" fill="none"');
  });

  it('refuses a hostile SVG and keeps the old plan', async () => {
    const hostile = cleanPlan.replace('<rect', '<rect onload="alert(document.cookie)"');
    const res = await upload(`/staff/floors/${floorId}/plan`, `/staff/floors/${floorId}`, {
      name: 'plan',
      filename: 'evil.svg',
      type: 'image/svg+xml',
      content: hostile,
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(
      /The floor plan was refused: &lt;rect&gt; has an event-handler attribute onload/,
    );
    const script = await upload(`/staff/floors/${floorId}/plan`, `/staff/floors/${floorId}`, {
      name: 'plan',
      filename: 'evil.svg',
      type: 'image/svg+xml',
      content: cleanPlan.replace('</svg>', '<script>alert(1)</script></svg>'),
    });
    expect(script.statusCode).toBe(400);
    expect((await db.prisma.floor.findUniqueOrThrow({ where: { id: floorId } })).planSvg).toBe(cleanPlan);
  });

  it('refuses a multipart upload without the CSRF token', async () => {
    const res = await upload(
      `/staff/floors/${floorId}/plan`,
      `/staff/floors/${floorId}`,
      { name: 'plan', filename: 'plan.svg', type: 'image/svg+xml', content: cleanPlan.replace('900', '901') },
      null,
    );
    expect(res.statusCode).toBe(403);
    expect((await db.prisma.floor.findUniqueOrThrow({ where: { id: floorId } })).planWidth).toBe(900);
  });

  it('refuses an upload over 1 MiB with a message', async () => {
    const big = cleanPlan.replace('</svg>', `<!-- ${'x'.repeat(1024 * 1024)} --></svg>`);
    const res = await upload(`/staff/floors/${floorId}/plan`, `/staff/floors/${floorId}`, {
      name: 'plan',
      filename: 'big.svg',
      type: 'image/svg+xml',
      content: big,
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/larger than 1 MiB/);
  });

  it('refuses a form POST without a CSRF token', async () => {
    const res = await staff.post(
      '/staff/sites',
      { name: 'No token', timeZone: 'Europe/Berlin' },
      { csrf: null },
    );
    expect(res.statusCode).toBe(403);
    expect(await db.prisma.site.count({ where: { name: 'No token' } })).toBe(0);
  });

  it('edits the booking policy in the site zone', async () => {
    const res = await staff.post(
      `/staff/policies/${siteId}`,
      {
        maxDaysAhead: '14',
        maxBookingMinutes: '480',
        maxBookingsPerDay: '1',
        workdayStart: '08:00',
        workdayEnd: '18:30',
        workingDays: ['1', '2', '3', '4'],
        checkInOpensMinutesBefore: '15',
        checkInClosesMinutesAfter: '30',
        releaseNoShowAfterMinutes: '',
      },
      { csrfFrom: `/staff/policies/${siteId}` },
    );
    expect(res.statusCode).toBe(303);
    const policy = await db.prisma.bookingPolicy.findUniqueOrThrow({ where: { siteId } });
    expect(policy).toMatchObject({
      maxDaysAhead: 14,
      workdayStartMinute: 480,
      workdayEndMinute: 1110,
      workingDays: [1, 2, 3, 4],
      releaseNoShowAfterMinutes: null,
    });
    const bad = await staff.post(
      `/staff/policies/${siteId}`,
      {
        maxDaysAhead: '14',
        maxBookingMinutes: '480',
        maxBookingsPerDay: '1',
        workdayStart: '18:00',
        workdayEnd: '08:00',
        checkInOpensMinutesBefore: '15',
        checkInClosesMinutesAfter: '30',
      },
      { csrfFrom: `/staff/policies/${siteId}` },
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/Working hours end must be after the start/);
    expect(bad.body).toMatch(/Working days must include at least one weekday/);
    expect((await staff.get('/staff/policies')).body).toContain('08:00–18:30 Europe/Berlin');
  });

  it('creates a person with a generated password shown once, who can then sign in', async () => {
    const res = await staff.post(
      '/staff/people',
      {
        email: 'New.Person@Test.example',
        displayName: 'New Person',
        role: 'EMPLOYEE',
        emUserId: 'nperson',
        deviceProfile: '',
        homeSiteId: String(siteId),
        password: '',
      },
      { csrfFrom: '/staff/people/new' },
    );
    expect(res.statusCode).toBe(201);
    const password = /<code class="secret" id="password">([^<]+)<\/code>/.exec(res.body)?.[1];
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email: 'new.person@test.example' } });
    expect(user.passwordHash).not.toContain(password!);
    expect(user).toMatchObject({ role: 'EMPLOYEE', emUserId: 'nperson', homeSiteId: siteId });
    const person = new Browser(app);
    await person.signIn('new.person@test.example', password!);
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'user.create', subjectId: String(user.id) },
    });
    expect(JSON.stringify(event.details)).not.toContain(password!);
    expect(JSON.stringify(event.details)).not.toContain('passwordHash');
  });

  it('lets facilities neither create an admin nor change a role', async () => {
    const admin = await staff.post(
      '/staff/people',
      { email: 'boss@test.example', displayName: 'Boss', role: 'ADMIN' },
      { csrfFrom: '/staff/people/new' },
    );
    expect(admin.statusCode).toBe(403);
    expect(await db.prisma.user.count({ where: { email: 'boss@test.example' } })).toBe(0);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email: 'new.person@test.example' } });
    const promote = await staff.post(
      `/staff/people/${user.id}`,
      { displayName: 'New Person', role: 'FACILITIES' },
      { csrfFrom: `/staff/people/${user.id}` },
    );
    expect(promote.statusCode).toBe(403);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).role).toBe('EMPLOYEE');
  });

  it('disables a person, which signs them out, and audits it', async () => {
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email: 'new.person@test.example' } });
    const res = await staff.post(
      `/staff/people/${user.id}`,
      { displayName: 'New Person', emUserId: 'nperson', disabled: 'on', homeSiteId: String(siteId) },
      { csrfFrom: `/staff/people/${user.id}` },
    );
    expect(res.statusCode).toBe(303);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).disabled).toBe(true);
    expect(await db.prisma.session.count({ where: { userId: user.id } })).toBe(0);
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'user.update', subjectId: String(user.id) },
    });
    expect(event.details).toEqual({ before: { disabled: false }, after: { disabled: true } });
  });

  it('filters the audit page by action and subject, and by date in the zone', async () => {
    const page = await staff.get('/staff/audit?action=desk.&subjectType=desk');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<td>desk.create</td>');
    expect(page.body).toContain('<td>desk.update</td>');
    expect(page.body).not.toContain('<td>site.create</td>');
    const none = await staff.get('/staff/audit?from=2030-01-01');
    expect(none.body).toContain('No events match.');
    const today = await staff.get('/staff/audit?from=2026-12-01&to=2026-12-01&actor=fm%40test');
    expect(today.body).toContain('<td>site.create</td>');
    const bad = await staff.get('/staff/audit?from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/From must be a date YYYY-MM-DD/);
  });
});
