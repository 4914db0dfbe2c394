import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountMail } from '../auth/account-mail.js';
import { checkNewPassword, type PasswordChange, type PasswordResets } from '../auth/password-reset.js';
import { hashPassword } from '../auth/passwords.js';
import type { ApiTokenStore } from '../auth/sessions.js';
import type { Totp } from '../auth/totp.js';
import { RoostError, msg } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { DAY_MS, MINUTE_MS } from '../time/clock.js';

/**
 * Self-service for a person's account (issue 18): change my password, a forgotten password by
 * email (when SMTP is set), my API tokens. People whose password staff set or imported
 * (`mustChangePassword`) are sent to the password page until they choose their own (access.ts).
 */
export interface AccountSecurityOptions {
  clock: Clock;
  tokens: ApiTokenStore;
  passwords: PasswordChange;
  resets: PasswordResets;
  mail: AccountMail;
  publicUrl: string;
  totp: Totp;
}

/** Route options of the pages only a signed-in person sees. */
const signedIn = { config: { access: 'user' as const } };
const Csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };
const PasswordBody = Type.Object(
  {
    current: Type.Optional(Type.String({ maxLength: 1024 })),
    password: Type.String({ maxLength: 1024 }),
    confirm: Type.String({ maxLength: 1024 }),
    ...Csrf,
  },
  { additionalProperties: false },
);
const ForgotBody = Type.Object(
  { email: Type.String({ maxLength: 320 }), ...Csrf },
  { additionalProperties: false },
);
const ResetBody = Type.Object(
  {
    token: Type.String({ maxLength: 200 }),
    password: Type.String({ maxLength: 1024 }),
    confirm: Type.String({ maxLength: 1024 }),
    ...Csrf,
  },
  { additionalProperties: false },
);
const TokenBody = Type.Object(
  {
    name: Type.String({ maxLength: 100 }),
    expiresInDays: Type.Union([
      Type.Literal(''),
      Type.Literal('30'),
      Type.Literal('90'),
      Type.Literal('365'),
    ]),
    ...Csrf,
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

export async function accountSecurityRoutes(app: FastifyInstance, opts: AccountSecurityOptions) {
  const { clock, tokens, mail, resets } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  // --- change my password ----------------------------------------------------------------
  async function passwordPage(request: FastifyRequest, reply: FastifyReply, error: string | null = null) {
    if (error) reply.status(400);
    return reply.render('account/password.eta', {
      title: request.t('security.password.title'),
      first: Boolean(request.user!.mustChangePassword),
      error,
    });
  }

  app.get('/account/password', signedIn, async (request, reply) => passwordPage(request, reply));

  typed.post(
    '/account/password',
    { config: { access: 'user' }, schema: { body: PasswordBody } },
    async (request, reply) => {
      const { current, password, confirm } = request.body;
      // Other browsers signed in with the old password are signed out; this one stays.
      const problem = await opts.passwords.change(request, {
        userId: request.user!.id,
        keepSession: request.sessionKey,
        current: current ?? '',
        password,
        confirm,
      });
      if (problem) return passwordPage(request, reply, problem);
      reply.flash('success', request.t('security.password.changed'));
      return reply.redirect('/account', 303);
    },
  );

  // --- forgotten password ----------------------------------------------------------------
  app.get('/signin/forgot', { config: { access: 'public' } }, async (request, reply) =>
    reply.render('auth/forgot.eta', {
      title: request.t('security.forgot.title'),
      mailEnabled: mail.enabled,
      sent: false,
    }),
  );

  typed.post(
    '/signin/forgot',
    { config: { access: 'public' }, schema: { body: ForgotBody } },
    async (request, reply) => {
      if (mail.enabled) {
        const issued = await resets.issue(request.body.email);
        if (issued) {
          const link = `${opts.publicUrl.replace(/\/$/, '')}/signin/reset?token=${issued.token}`;
          void mail.send({
            to: issued.email,
            subject: request.t('security.forgot.mailSubject'),
            text: request.t('security.forgot.mailText', {
              name: issued.displayName,
              link,
              minutes: Math.round(issued.ttlMs / MINUTE_MS),
            }),
          });
        }
      }
      // The same answer whether or not the email has an account.
      return reply.render('auth/forgot.eta', {
        title: request.t('security.forgot.title'),
        mailEnabled: mail.enabled,
        sent: mail.enabled,
      });
    },
  );

  const resetLog = {
    // The link is a credential: the request log never shows its token.
    logSerializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: req.url.replace(/([?&]token=)[^&]*/g, '$1***'),
        remoteAddress: req.ip,
      }),
    },
  };

  typed.get(
    '/signin/reset',
    {
      config: { access: 'public' },
      schema: { querystring: Type.Object({ token: Type.String({ maxLength: 200 }) }) },
      ...resetLog,
    },
    async (request, reply) => {
      const valid = await resets.check(request.query.token);
      if (!valid) reply.status(400);
      return reply.render('auth/reset.eta', {
        title: request.t('security.reset.title'),
        token: valid ? request.query.token : null,
        error: valid ? null : request.t('security.reset.invalid'),
      });
    },
  );

  typed.post(
    '/signin/reset',
    { config: { access: 'public' }, schema: { body: ResetBody }, ...resetLog },
    async (request, reply) => {
      const { token, password, confirm } = request.body;
      const problem = checkNewPassword(request, password, confirm);
      const render = (error: string, keepToken: boolean) => {
        reply.status(400);
        return reply.render('auth/reset.eta', {
          title: request.t('security.reset.title'),
          token: keepToken ? token : null,
          error,
        });
      };
      if (problem) return render(problem, Boolean(await resets.check(token)));
      const used = await resets.use(token, await hashPassword(password));
      if (!used) return render(request.t('security.reset.invalid'), false);
      reply.flash('success', request.t('security.reset.done'));
      return reply.redirect('/signin', 303);
    },
  );

  // --- my API tokens -----------------------------------------------------------------------
  async function tokensPage(request: FastifyRequest, reply: FastifyReply, created: string | null) {
    const list = await tokens.list(request.user!.id);
    return reply.render('account/tokens.eta', {
      title: request.t('security.tokens.title'),
      created,
      tokens: list.map((t) => ({
        id: t.id,
        name: t.name || request.t('security.tokens.unnamed'),
        createdAt: t.createdAt.toISOString().slice(0, 10),
        lastUsedAt: t.lastUsedAt ? t.lastUsedAt.toISOString().slice(0, 10) : null,
        expiresAt: t.expiresAt ? t.expiresAt.toISOString().slice(0, 10) : null,
      })),
    });
  }

  app.get('/account/tokens', signedIn, async (request, reply) => tokensPage(request, reply, null));

  // Shows the new token in the response itself: only its hash is stored.
  typed.post(
    '/account/tokens',
    { config: { access: 'user' }, schema: { body: TokenBody } },
    async (request, reply) => {
      const days = request.body.expiresInDays === '' ? null : Number(request.body.expiresInDays);
      const { token } = await tokens.create(request.user!.id, {
        name: request.body.name,
        expiresAt: days ? new Date(clock.now().getTime() + days * DAY_MS) : null,
      });
      reply.header('cache-control', 'no-store');
      return tokensPage(request, reply, token);
    },
  );

  typed.post(
    '/account/tokens/:id/revoke',
    { config: { access: 'user' }, schema: { params: IdParams } },
    async (request, reply) => {
      if (!(await tokens.revokeById(request.user!.id, request.params.id)))
        throw new RoostError('NOT_FOUND', msg('security.tokens.notFound'));
      reply.flash('info', request.t('security.tokens.revoked'));
      return reply.redirect('/account/tokens', 303);
    },
  );

  // --- two-step sign-in (TOTP) -------------------------------------------------------------
  const CodeBody = Type.Object(
    { code: Type.String({ maxLength: 20 }), ...Csrf },
    { additionalProperties: false },
  );
  const EnableBody = Type.Object(
    { secret: Type.String({ maxLength: 64 }), code: Type.String({ maxLength: 20 }), ...Csrf },
    { additionalProperties: false },
  );
  const PolicyBody = Type.Object(
    { required: Type.Optional(Type.Literal('on')), ...Csrf },
    { additionalProperties: false },
  );

  async function totpPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { error?: string | null; recoveryCodes?: string[] | null; secret?: string } = {},
  ) {
    const me = request.user!;
    const status = await opts.totp.status(me.id);
    const fresh = status.enabled ? null : opts.totp.newSecret(me.email);
    const secret = extra.secret ?? fresh?.secret ?? null;
    if (extra.error) reply.status(400);
    return reply.render('account/totp.eta', {
      title: request.t('security.totp.title'),
      status,
      secret,
      uri: secret
        ? `otpauth://totp/Roost:${encodeURIComponent(me.email)}?secret=${secret}&issuer=Roost`
        : null,
      recoveryCodes: extra.recoveryCodes ?? null,
      isAdmin: me.role === 'ADMIN',
      policy: me.role === 'ADMIN' ? await opts.totp.requiredForStaff() : false,
      error: extra.error ?? null,
    });
  }

  app.get('/account/totp', signedIn, async (request, reply) => totpPage(request, reply));

  typed.post(
    '/account/totp/enable',
    { config: { access: 'user' }, schema: { body: EnableBody } },
    async (request, reply) => {
      const codes = await opts.totp.enable(request.user!.id, request.body.secret, request.body.code);
      if (!codes)
        return totpPage(request, reply, {
          error: request.t('security.totp.wrong'),
          secret: request.body.secret,
        });
      reply.header('cache-control', 'no-store');
      return totpPage(request, reply, { recoveryCodes: codes });
    },
  );

  typed.post(
    '/account/totp/disable',
    { config: { access: 'user' }, schema: { body: CodeBody } },
    async (request, reply) => {
      const me = request.user!;
      if ((await opts.totp.status(me.id)).required)
        return totpPage(request, reply, { error: request.t('security.totp.requiredCannotDisable') });
      if (!(await opts.totp.disable(me.id, request.body.code)))
        return totpPage(request, reply, { error: request.t('security.totp.wrong') });
      reply.flash('info', request.t('security.totp.disabled'));
      return reply.redirect('/account/totp', 303);
    },
  );

  typed.post(
    '/account/totp/policy',
    { config: { access: 'admin' }, schema: { body: PolicyBody } },
    async (request, reply) => {
      await opts.totp.setRequiredForStaff(request.body.required === 'on');
      reply.flash('success', request.t('security.totp.policySaved'));
      return reply.redirect('/account/totp', 303);
    },
  );
}
