import { Type } from '@sinclair/typebox';

/**
 * Schemas shared by page routes, for the TypeBox type provider: they give handlers the types of
 * `request.params` and `request.query`. They check shape only (a string, not an array of them);
 * the handlers keep parsing the content (parseId, parseDateInput, pageOf), so a wrong id or date
 * still gets the page's own message. Unknown query keys are let through (additionalProperties).
 */
export const IdParams = Type.Object({ id: Type.String() });

/** `?page=N` on a paged list; pageOf() falls back to 1 on anything that is not a page number. */
export const PageQuery = Type.Object({ page: Type.Optional(Type.String()) });

/** The audit trail's filters, on /staff/audit and /api/v1/admin/audit (AuditQuery checks them). */
export const AuditFilterQuery = Type.Object({
  actor: Type.Optional(Type.String()),
  action: Type.Optional(Type.String()),
  subjectType: Type.Optional(Type.String()),
  subjectId: Type.Optional(Type.String()),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  page: Type.Optional(Type.String()),
});
