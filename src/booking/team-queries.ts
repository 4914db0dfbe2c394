import type { PrismaClient } from '../db/database.js';
import { DAY_MS } from '../time/clock.js';
import { mayShowOccupant, isTeammate, type OccupantPrivacy } from './occupant-privacy.js';

/**
 * Who sits where, as an employee may see it: the names at taken desks (within the site's
 * privacy setting, occupant-privacy.ts), my teammates' desks over some days, and a colleague
 * found by name. Teams are Team/TeamMember (SCIM groups or staff); "my team" is everyone who
 * shares at least one team with me.
 */
export interface SeatedPerson {
  reservationId: number;
  userId: number;
  /** Null when the site's privacy setting hides the name from this viewer. */
  name: string | null;
  isTeammate: boolean;
  deskId: number;
  deskLabel: string;
  floorId: number;
  floorName: string;
  siteName: string;
  timeZone: string;
  startsAt: Date;
  endsAt: Date;
}

export type TeamQueries = ReturnType<typeof createTeamQueries>;

const ACTIVE = { in: ['BOOKED', 'CHECKED_IN'] as ('BOOKED' | 'CHECKED_IN')[] };
/** Longest range one question here may span (the home page asks for 14 days). */
const MAX_RANGE_MS = 15 * DAY_MS;
const MAX_COLLEAGUES = 20;

export function createTeamQueries({ prisma }: { prisma: PrismaClient }) {
  async function teamIdsOf(userIds: number[]): Promise<Map<number, Set<number>>> {
    const rows = await prisma.teamMember.findMany({ where: { userId: { in: userIds } } });
    const byUser = new Map<number, Set<number>>(userIds.map((id) => [id, new Set<number>()]));
    for (const r of rows) byUser.get(r.userId)?.add(r.teamId);
    return byUser;
  }

  /** Active bookings matching `where` in [from, to), told as this viewer may see them. */
  async function seated(
    viewerId: number,
    where: { userId?: { in: number[] }; desk?: { floorId: number } },
    from: Date,
    to: Date,
  ): Promise<SeatedPerson[]> {
    if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw new RangeError('range too long');
    const rows = await prisma.reservation.findMany({
      where: { ...where, status: ACTIVE, startsAt: { lt: to }, endsAt: { gt: from } },
      orderBy: { startsAt: 'asc' },
      take: 500,
      include: {
        user: { select: { id: true, displayName: true } },
        desk: { include: { floor: { include: { site: true } } } },
      },
    });
    const teams = await teamIdsOf([viewerId, ...new Set(rows.map((r) => r.userId))]);
    const viewer = { id: viewerId, teamIds: teams.get(viewerId) ?? new Set<number>() };
    return rows.map((r) => {
      const occupant = { id: r.userId, teamIds: teams.get(r.userId) ?? new Set<number>() };
      const privacy = r.desk.floor.site.occupantPrivacy as OccupantPrivacy;
      return {
        reservationId: r.id,
        userId: r.userId,
        name: mayShowOccupant({ privacy, viewer, occupant }) ? r.user.displayName : null,
        isTeammate: r.userId !== viewerId && isTeammate(viewer.teamIds, occupant.teamIds),
        deskId: r.deskId,
        deskLabel: r.desk.label,
        floorId: r.desk.floorId,
        floorName: r.desk.floor.name,
        siteName: r.desk.floor.site.name,
        timeZone: r.desk.floor.site.timeZone,
        startsAt: r.startsAt,
        endsAt: r.endsAt,
      };
    });
  }

  async function teammateIds(viewerId: number): Promise<number[]> {
    const mine = [...((await teamIdsOf([viewerId])).get(viewerId) ?? [])];
    if (mine.length === 0) return [];
    const rows = await prisma.teamMember.findMany({
      where: { teamId: { in: mine }, userId: { not: viewerId }, user: { disabled: false } },
      select: { userId: true },
    });
    return [...new Set(rows.map((r) => r.userId))];
  }

  return {
    /** Everyone seated on a floor in [from, to): the map's "who sits there". */
    onFloor: (viewerId: number, floorId: number, from: Date, to: Date) =>
      seated(viewerId, { desk: { floorId } }, from, to),

    /** My teammates' bookings in [from, to), on any site. Only teammates whose names I may see. */
    async teamBookings(viewerId: number, from: Date, to: Date): Promise<SeatedPerson[]> {
      const ids = await teammateIds(viewerId);
      if (ids.length === 0) return [];
      return (await seated(viewerId, { userId: { in: ids } }, from, to)).filter((s) => s.name !== null);
    },

    /** My teams' names (for headings), sorted. */
    async myTeams(viewerId: number): Promise<string[]> {
      const rows = await prisma.teamMember.findMany({
        where: { userId: viewerId },
        include: { team: { select: { name: true } } },
      });
      return rows.map((r) => r.team.name).sort((a, b) => a.localeCompare(b));
    },

    /**
     * Colleagues whose name contains `query` (case-insensitive), with where they sit in
     * [from, to). A booking whose site hides names from me reads as "not shared".
     */
    async findColleagues(viewerId: number, query: string, from: Date, to: Date) {
      const q = query.trim();
      if (q.length < 2) return [];
      const people = await prisma.user.findMany({
        where: {
          displayName: { contains: q, mode: 'insensitive' },
          disabled: false,
          deprovisionedAt: null,
        },
        orderBy: { displayName: 'asc' },
        take: MAX_COLLEAGUES,
        select: { id: true, displayName: true },
      });
      const seats = await seated(viewerId, { userId: { in: people.map((p) => p.id) } }, from, to);
      return people.map((p) => {
        const theirs = seats.filter((s) => s.userId === p.id);
        return {
          id: p.id,
          name: p.displayName,
          seats: theirs.filter((s) => s.name !== null),
          hidden: theirs.some((s) => s.name === null),
        };
      });
    },
  };
}
