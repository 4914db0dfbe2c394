/**
 * Whom Roost tells who sits at a taken desk, per site (Site.occupantPrivacy, chosen by staff
 * on the site form). One rule for the map, the desk list and "find a colleague":
 *
 * - EVERYONE: every signed-in person sees the name.
 * - TEAM: only people who share a team with the occupant (and the occupant themself).
 * - NOBODY: only the occupant themself; everybody else sees "taken".
 *
 * Staff pages (floor day, people) are not asked: facilities need names to do their job.
 */
export const OCCUPANT_PRIVACY = ['EVERYONE', 'TEAM', 'NOBODY'] as const;
export type OccupantPrivacy = (typeof OCCUPANT_PRIVACY)[number];

export const isOccupantPrivacy = (value: unknown): value is OccupantPrivacy =>
  typeof value === 'string' && (OCCUPANT_PRIVACY as readonly string[]).includes(value);

export interface PrivacyFacts {
  privacy: OccupantPrivacy;
  viewer: { id: number; teamIds: ReadonlySet<number> };
  occupant: { id: number; teamIds: ReadonlySet<number> };
}

/** May the viewer see the occupant's name? */
export function mayShowOccupant({ privacy, viewer, occupant }: PrivacyFacts): boolean {
  if (viewer.id === occupant.id) return true;
  switch (privacy) {
    case 'EVERYONE':
      return true;
    case 'TEAM':
      return [...occupant.teamIds].some((id) => viewer.teamIds.has(id));
    case 'NOBODY':
      return false;
  }
}

/** Does the occupant share a team with the viewer ("my team's desk" on the map)? */
export const isTeammate = (viewerTeamIds: ReadonlySet<number>, occupantTeamIds: ReadonlySet<number>) =>
  [...occupantTeamIds].some((id) => viewerTeamIds.has(id));
