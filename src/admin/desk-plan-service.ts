import type { Actor } from '../audit/audit-log.js';
import { invalidInput, msg } from '../errors.js';
import { changeRunner, requireFound, type AdminDeps } from './admin-deps.js';
import { changes, Fields, type Input } from './validation.js';

/** The side of a desk's square on the plan, by the plan's size (staff and employee plans alike). */
export const markerSize = (floor: { planWidth: number; planHeight: number }) =>
  Math.max(6, Math.round(Math.max(floor.planWidth, floor.planHeight) / 90));

/**
 * Desks whose markers (squares of `marker` either side of the position) overlap on the plan,
 * as label pairs: a warning for staff, since overlapping desks cannot both be clicked.
 */
export function overlappingDesks(
  desks: { label: string; posX: number; posY: number }[],
  marker: number,
): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < desks.length; i++)
    for (let j = i + 1; j < desks.length; j++) {
      const a = desks[i]!;
      const b = desks[j]!;
      if (Math.abs(a.posX - b.posX) < 2 * marker && Math.abs(a.posY - b.posY) < 2 * marker)
        pairs.push([a.label, b.label]);
    }
  return pairs;
}

/** The floor-plan editor's changes to one desk: move it, take it in or out of use, remove it. */
export function createDeskPlanService(deps: AdminDeps) {
  const { prisma } = deps;
  const change = changeRunner(deps);
  const snapshot = (d: { posX: number; posY: number; bookable: boolean }) => ({
    posX: d.posX,
    posY: d.posY,
    bookable: d.bookable,
  });

  function update(actor: Actor, deskId: number, data: { posX?: number; posY?: number; bookable?: boolean }) {
    return change(actor, async (tx, audit) => {
      const before = requireFound(await tx.desk.findUnique({ where: { id: deskId } }), 'desk');
      const after = await tx.desk.update({ where: { id: deskId }, data });
      await audit('desk.update', 'desk', deskId, changes(snapshot(before), snapshot(after)));
      return after;
    });
  }

  return {
    /** The overlapping desk pairs of a floor, for the editor's warning. */
    async floorOverlaps(floorId: number) {
      const floor = requireFound(
        await prisma.floor.findUnique({
          where: { id: floorId },
          include: { desks: { select: { label: true, posX: true, posY: true }, orderBy: { label: 'asc' } } },
        }),
        'floor',
      );
      return overlappingDesks(floor.desks, markerSize(floor));
    },

    /** A dragged desk's new position, within its floor's plan. */
    async moveDesk(actor: Actor, deskId: number, input: Input) {
      const desk = requireFound(
        await prisma.desk.findUnique({ where: { id: deskId }, include: { floor: true } }),
        'desk',
      );
      const f = new Fields(input);
      const posX = f.integer('posX', 'X position', { min: 0, max: desk.floor.planWidth });
      const posY = f.integer('posY', 'Y position', { min: 0, max: desk.floor.planHeight });
      f.done();
      return update(actor, deskId, { posX, posY });
    },

    setBookable: (actor: Actor, deskId: number, bookable: boolean) => update(actor, deskId, { bookable }),

    /**
     * Removes a desk that was never booked. A desk with bookings keeps its history: it can be
     * taken out of use instead (deleting it would delete those bookings).
     */
    async removeDesk(actor: Actor, deskId: number) {
      return change(actor, async (tx, audit) => {
        const desk = requireFound(
          await tx.desk.findUnique({
            where: { id: deskId },
            include: { phone: true, _count: { select: { reservations: true } } },
          }),
          'desk',
        );
        if (desk._count.reservations > 0)
          throw invalidInput(msg('problem.desks.hasBookings', { desk: desk.label }));
        await tx.desk.delete({ where: { id: deskId } });
        await audit('desk.delete', 'desk', deskId, {
          before: { label: desk.label, ...snapshot(desk), phone: desk.phone?.deviceName ?? null },
          after: null,
        });
        return desk;
      });
    },
  };
}

export type DeskPlanService = ReturnType<typeof createDeskPlanService>;
