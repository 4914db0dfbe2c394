import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { StaffActor } from '../../../admin/people-service.js';
import { RoostError, untranslated } from '../../../errors.js';

/** Shared pieces of the staff API (/api/v1/admin): access, ids, the acting person. */
export const staff = { config: { access: 'staff' as const } };
export const adminOnly = { config: { access: 'admin' as const } };
export const bodyLimit = 16 * 1024;

export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export type WithId = FastifyRequest<{ Params: { id: number } }>;

/** The caller as the audit trail's actor, with the role the services check. */
export function apiActor(request: FastifyRequest): StaffActor {
  const user = request.user;
  if (!user) throw new RoostError('UNAUTHENTICATED', untranslated('Sign in first.'));
  return { id: user.id, label: user.email, role: user.role };
}

/**
 * A JSON body as the form input the admin services read (the pages and the API share them):
 * null becomes '' (empty field), everything else stays as given; `defaults` fill what a
 * create leaves out, `current` what a PATCH leaves out.
 */
export function asInput(
  body: Record<string, unknown> | undefined,
  base: Record<string, unknown> = {},
): Record<string, unknown> {
  const input: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(body ?? {})) input[k] = v === null ? '' : v;
  return input;
}

export const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
