import type { Db } from '../db/database.js';

type Tx = Pick<Db.PrismaClient, 'team' | 'teamMember'>;

/**
 * A person's team (department) as staff set it, on the Team/TeamMember tables that SCIM
 * groups fill. Staff manage the teams made in Roost (no externalId); a directory's groups stay
 * the directory's, so setting a team here never drops a SCIM membership.
 */
export async function teamNameOf(tx: Tx, userId: number): Promise<string | null> {
  const memberships = await tx.teamMember.findMany({
    where: { userId },
    include: { team: { select: { name: true, externalId: true } } },
  });
  // The Roost-made team is the one staff edit; else the first directory group by name.
  const names = memberships
    .map((m) => m.team)
    .sort(
      (a, b) => Number(a.externalId !== null) - Number(b.externalId !== null) || a.name.localeCompare(b.name),
    );
  return names[0]?.name ?? null;
}

/** Puts the person in the team of that name (made if new), out of other Roost-made teams. */
export async function setTeam(tx: Tx, userId: number, name: string | null): Promise<void> {
  const team = name ? await tx.team.upsert({ where: { name }, create: { name }, update: {} }) : null;
  await tx.teamMember.deleteMany({
    where: { userId, team: { externalId: null }, ...(team ? { teamId: { not: team.id } } : {}) },
  });
  if (team)
    await tx.teamMember.upsert({
      where: { teamId_userId: { teamId: team.id, userId } },
      create: { teamId: team.id, userId },
      update: {},
    });
}

/** Team names for the form's suggestions. */
export async function teamNames(tx: Tx): Promise<string[]> {
  return (await tx.team.findMany({ orderBy: { name: 'asc' }, select: { name: true }, take: 500 })).map(
    (t) => t.name,
  );
}
