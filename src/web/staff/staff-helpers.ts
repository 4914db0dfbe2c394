import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StaffActor } from '../../admin/people-service.js';
import { RoostError, msg } from '../../errors.js';
import { renderMessage, renderMessages } from '../../i18n/render-message.js';

/** Route options for staff pages and admin-only pages (the access plugin enforces them). */
export const staff = { config: { access: 'staff' as const } };
export const adminOnly = { config: { access: 'admin' as const } };

/** The signed-in staff member as the audit trail's actor. */
export function actorOf(request: FastifyRequest): StaffActor {
  const user = request.user;
  if (!user) throw new RoostError('UNAUTHENTICATED', msg('problem.access.signInFirst'));
  return { id: user.id, label: user.email, role: user.role };
}

/** A form body (urlencoded or multipart key/values) as a plain record; never undefined. */
export function formOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return {};
  const { _csrf: _ignored, ...rest } = body as Record<string, unknown>;
  return rest;
}

/** Text fields of a form for re-rendering (files and arrays dropped, arrays kept for checkboxes). */
export function valuesOf(form: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(form).filter(([, v]) => !Buffer.isBuffer(v)));
}

export interface FormErrors {
  summary: string;
  fields: Record<string, string>;
  /** Every problem of an import, each naming its line. */
  problems?: string[];
}

/**
 * Re-renders a form after INVALID_INPUT with the user's input and the problems (400);
 * any other error goes on to the error handler.
 */
export async function rerender(
  error: unknown,
  reply: FastifyReply,
  template: string,
  data: () => Promise<Record<string, unknown>> | Record<string, unknown>,
): Promise<string> {
  if (!(error instanceof RoostError) || error.code !== 'INVALID_INPUT') throw error;
  // The message, each field's and each import problem, in the reader's language.
  const lang = reply.request.lang;
  const details = renderMessages(lang, error.details) as {
    fields?: Record<string, string>;
    problems?: unknown;
  };
  const fields = details.fields ?? {};
  reply.status(400);
  return reply.render(template, {
    ...(await data()),
    errors: {
      summary: renderMessage(lang, error.text),
      fields,
      problems: Array.isArray(details.problems) ? (details.problems as string[]) : undefined,
    } satisfies FormErrors,
  });
}

export const noErrors: FormErrors = { summary: '', fields: {} };

/** A positive page number from the query, default 1. */
export function pageOf(raw: unknown): number {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** Builds "?a=1&b=2" from the non-empty entries (for pagination links). */
export function queryString(params: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The data of a form's page shown again: around the values typed, after `error` refused them. */
export type FormPage = (
  values: Record<string, unknown>,
  error: unknown,
) => Promise<Record<string, unknown>> | Record<string, unknown>;

/**
 * A staff form's POST: `save` hands the form to one service call and answers (with `doneTo`,
 * or a page of its own). When the service refuses the input (INVALID_INPUT), `template` shows
 * the form again with what was typed and the problems, 400 (see `rerender`); any other error
 * goes to the error handler.
 */
export async function submitForm(
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  page: FormPage,
  save: (form: Record<string, unknown>, actor: StaffActor) => Promise<unknown>,
): Promise<unknown> {
  const form = formOf(request);
  try {
    return await save(form, actorOf(request));
  } catch (error) {
    return rerender(error, reply, template, () => page(valuesOf(form), error));
  }
}

/** A form that worked: a flash says so, and the next page is a redirect (POST, then 303). */
export const doneTo = (reply: FastifyReply, to: string, message: string) =>
  reply.flash('success', message).redirect(to, 303);
