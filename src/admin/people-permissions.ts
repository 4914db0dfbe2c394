import type { Actor } from '../audit/audit-log.js';
import type { Role } from '../booking/booking-service.js';

export interface StaffActor extends Actor {
  id: number;
  role: Role;
}

/** Why a change to a person's account is refused; each caller words it for its page or CSV line. */
export type Refusal = 'grant-admin' | 'edit-admin' | 'change-role' | 'own-role' | 'disable-self';

/**
 * The people permissions, in one place and without I/O. Facilities staff manage employees
 * and facilities staff; only an admin creates admins, changes anyone's role, or edits an
 * admin's account; nobody disables or re-roles themselves. `target` is null for a new
 * account. Answers the first refusal, or null when the change is allowed.
 */
export function mayChange(
  actor: StaffActor,
  target: { id: number; role: Role } | null,
  change: { role?: Role | null; disabled?: boolean },
): Refusal | null {
  const isAdmin = actor.role === 'ADMIN';
  if (!target) return change.role === 'ADMIN' && !isAdmin ? 'grant-admin' : null;
  if (target.role === 'ADMIN' && !isAdmin) return 'edit-admin';
  const roleChanges = Boolean(change.role) && change.role !== target.role;
  if (roleChanges && !isAdmin) return 'change-role';
  if (roleChanges && target.id === actor.id) return 'own-role';
  if (change.disabled && target.id === actor.id) return 'disable-self';
  return null;
}
