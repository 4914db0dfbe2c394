import {
  ScimError as PatchLibError,
  scimPatch,
  type ScimPatchOperation,
  type ScimResource,
} from 'scim-patch';
import { ScimError } from './scim-errors.js';
import { PATCH_SCHEMA } from './scim-schemas.js';

const MAX_OPERATIONS = 1000;

/**
 * Applies a SCIM PatchOp body to a resource with `scim-patch`, after smoothing over what real
 * directories send: Entra ID writes ops as "Replace"/"Add"/"Remove" and booleans as "True" /
 * "False" strings; Okta sends `replace` with a value object (`{ active: false }`). Both path
 * and value-object forms are handled by the library.
 */
export function applyPatch<T extends object>(resource: T, body: unknown): T {
  const b = body as { schemas?: unknown; Operations?: unknown };
  if (!b || typeof b !== 'object' || !Array.isArray(b.Operations)) {
    throw new ScimError(400, 'A PATCH body needs "Operations": [ ... ] (RFC 7644 3.5.2).', 'invalidSyntax');
  }
  if (Array.isArray(b.schemas) && !b.schemas.includes(PATCH_SCHEMA)) {
    throw new ScimError(400, `A PATCH body's schemas must include ${PATCH_SCHEMA}.`, 'invalidSyntax');
  }
  if (b.Operations.length > MAX_OPERATIONS) {
    throw new ScimError(400, `At most ${MAX_OPERATIONS} operations per PATCH.`, 'tooMany');
  }
  const operations = b.Operations.map((raw: unknown, i: number) => {
    const op = raw as { op?: unknown; path?: unknown; value?: unknown };
    if (!op || typeof op !== 'object' || typeof op.op !== 'string') {
      throw new ScimError(400, `Operation ${i + 1} has no "op".`, 'invalidSyntax');
    }
    const name = op.op.toLowerCase();
    if (!['add', 'replace', 'remove'].includes(name)) {
      throw new ScimError(
        400,
        `Operation ${i + 1}: "op" must be add, replace or remove, not "${op.op}".`,
        'invalidSyntax',
      );
    }
    if (op.path !== undefined && typeof op.path !== 'string') {
      throw new ScimError(400, `Operation ${i + 1}: "path" must be a string.`, 'invalidPath');
    }
    // Okta and Entra ID remove members as { op: remove, path: members, value: [{ value: id }] }:
    // the resource's members carry display and $ref too, so select them by value instead.
    if (
      name === 'remove' &&
      typeof op.path === 'string' &&
      !op.path.includes('[') &&
      Array.isArray(op.value)
    ) {
      const path = op.path;
      return (op.value as unknown[]).map((item) => {
        const v = (item as { value?: unknown })?.value;
        if (typeof v !== 'string' && typeof v !== 'number')
          throw new ScimError(
            400,
            `Operation ${i + 1}: each value to remove needs a "value".`,
            'invalidValue',
          );
        return { op: 'remove', path: `${path}[value eq ${JSON.stringify(String(v))}]` } as ScimPatchOperation;
      });
    }
    return [{ ...op, op: name } as ScimPatchOperation];
  }).flat();
  try {
    return scimPatch(structuredClone(resource) as unknown as ScimResource, operations, {
      mutateDocument: true,
      treatMissingAsAdd: true,
    }) as unknown as T;
  } catch (error) {
    if (error instanceof PatchLibError) {
      const code = (error as PatchLibError & { scimCode?: string }).scimCode;
      throw new ScimError(400, error.message, code === 'noTarget' ? 'noTarget' : 'invalidSyntax');
    }
    // The library also throws plain errors (a path it cannot parse).
    throw new ScimError(400, `The PATCH could not be applied: ${(error as Error).message}`, 'invalidPath');
  }
}

/** true / false, or Entra ID's "True" / "False" strings; anything else is refused. */
export function scimBoolean(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw new ScimError(400, `"${name}" must be true or false, not ${JSON.stringify(value)}.`, 'invalidValue');
}
