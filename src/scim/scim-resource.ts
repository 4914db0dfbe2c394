import type { Actor } from '../audit/audit-log.js';
import type { Db, PrismaClient } from '../db/database.js';
import { ScimError, scimNotFound } from './scim-errors.js';
import { applyPatch } from './scim-patch.js';

/** What Users and Groups share: ids, meta, the transaction, and how PUT and PATCH write. */
export type Tx = Db.Prisma.TransactionClient;

export const scimActor: Actor = { id: null, label: 'scim' };

const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

export type ScimResourceType = 'User' | 'Group';

/** A resource's meta (RFC 7643 3.1): its type, its times, and where it lives. */
export const scimMeta = (
  resourceType: ScimResourceType,
  row: { id: number; createdAt: Date; updatedAt: Date },
  base: string,
) => ({
  resourceType,
  created: row.createdAt.toISOString(),
  lastModified: row.updatedAt.toISOString(),
  location: `${base}/${resourceType}s/${row.id}`,
});

/** 409 with scimType uniqueness (RFC 7644 3.12): the value belongs to another resource. */
export const taken = (detail: string) => new ScimError(409, detail, 'uniqueness');

/** How one resource type is read from the database, shown in SCIM, and written. */
export interface ScimKind<Row, Fields, Shown> {
  type: ScimResourceType;
  /** The row, or SCIM's 404. */
  load(db: Tx | PrismaClient, id: number): Promise<Row>;
  show(row: Row): Shown;
  /** Reads a resource (a body, or the result of a PATCH) into the fields Roost keeps. */
  fields(resource: unknown): Fields;
  /** Writes the fields onto the row (`before`) or a new one; answers its id. */
  write(tx: Tx, before: Row | null, fields: Fields): Promise<number>;
  /** Attributes a PATCH may not change, besides meta (a User's groups: change them in /Groups). */
  readOnly?: readonly string[];
}

export function scimResource<Row, Fields, Shown extends Record<string, unknown>>(
  prisma: PrismaClient,
  kind: ScimKind<Row, Fields, Shown>,
) {
  const idOf = (id: string) => {
    if (!/^\d{1,9}$/.test(id)) throw scimNotFound(kind.type, id);
    return Number(id);
  };
  const inTx = <T>(work: (tx: Tx) => Promise<T>) => prisma.$transaction(work, TX_OPTIONS);
  const shown = async (id: number) => kind.show(await kind.load(prisma, id));
  const fixed = ['meta', ...(kind.readOnly ?? [])];

  return {
    idOf,
    inTx,
    /** The resource as it now is in the database. */
    shown,

    /** PUT: the body replaces what Roost keeps of the resource. */
    async replace(id: string, body: unknown): Promise<Shown> {
      const fields = kind.fields(body);
      await inTx(async (tx) => kind.write(tx, await kind.load(tx, idOf(id)), fields));
      return shown(idOf(id));
    },

    /** PATCH: the operations apply to the resource as shown, read-only parts left out. */
    async patch(id: string, body: unknown): Promise<Shown> {
      await inTx(async (tx) => {
        const before = await kind.load(tx, idOf(id));
        const current = Object.fromEntries(
          Object.entries(kind.show(before)).filter(([key]) => !fixed.includes(key)),
        );
        const patched = applyPatch(current, body) as Record<string, unknown>;
        for (const key of fixed) delete patched[key];
        await kind.write(tx, before, kind.fields(patched));
      });
      return shown(idOf(id));
    },
  };
}
