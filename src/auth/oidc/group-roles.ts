export type Role = 'EMPLOYEE' | 'FACILITIES' | 'ADMIN';

export interface GroupRoleLists {
  facilitiesGroups: readonly string[];
  adminGroups: readonly string[];
}

/** True when the deployment maps any group to a role (else roles are left to staff). */
export const mapsRoles = (lists: GroupRoleLists | undefined): lists is GroupRoleLists =>
  lists !== undefined && (lists.facilitiesGroups.length > 0 || lists.adminGroups.length > 0);

const norm = (name: string) => name.trim().toLowerCase();

/**
 * The role that a person's groups give: admin when any group is in ROOST_OIDC_ADMIN_GROUPS,
 * facilities when any is in ROOST_OIDC_FACILITIES_GROUPS, else employee. Names compare
 * without regard to case (directories differ in how they spell them). Used by single
 * sign-on (the groups claim) and by SCIM (Group displayName).
 */
export function roleFromGroups(groups: readonly string[], lists: GroupRoleLists | undefined): Role {
  if (!lists) return 'EMPLOYEE';
  const mine = new Set(groups.map(norm));
  if (lists.adminGroups.some((g) => mine.has(norm(g)))) return 'ADMIN';
  if (lists.facilitiesGroups.some((g) => mine.has(norm(g)))) return 'FACILITIES';
  return 'EMPLOYEE';
}

/** The groups in a claim value: an array of names, or one name, or a comma/space list. */
export function groupsFromClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(/[,\s]+/).filter(Boolean);
  return [];
}
