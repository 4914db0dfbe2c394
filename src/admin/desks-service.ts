import type { Actor } from '../audit/audit-log.js';
import { invalidFields, invalidInput, msg, type Message } from '../errors.js';
import { changeRunner, requireFound, type AdminDeps, type Tx } from './admin-deps.js';
import { readCsvTable } from './csv.js';
import { importRows, ImportProblems, LinesSeen, viaCsvLine } from './csv-import.js';
import { asCreated, changes, Fields, parseFeatures, pick, type Input } from './validation.js';

/**
 * Desks and the phone on each. A phone is on at most one desk (a unique index says so
 * too): linking a phone that is on another desk is refused, naming that desk, rather than
 * silently taking it away from someone's booking.
 */
export type DesksService = ReturnType<typeof createDesksService>;

export const DESK_CSV_COLUMNS = {
  required: ['site', 'floor', 'label'],
  optional: ['features', 'bookable', 'posX', 'posY', 'phone', 'phoneModel'],
} as const;

const DEFAULT_PHONE_MODEL = 'Cisco 8865';

interface DeskData {
  label: string;
  features: string[];
  bookable: boolean;
  posX: number;
  posY: number;
}

interface PhoneWish {
  /** undefined: leave as is; null: no phone; else the device name. */
  deviceName: string | null | undefined;
  model: string | null;
}

type DeskWithPhone = DeskData & {
  id: number;
  floorId: number;
  phone: { deviceName: string; model: string } | null;
};

/** What a desk is, for the audit trail and the API; its phone is shown apart. */
export const DESK_FIELDS = ['floorId', 'label', 'features', 'bookable', 'posX', 'posY'] as const;

const snapshot = (d: DeskWithPhone) => ({
  ...pick(d, DESK_FIELDS),
  phone: d.phone?.deviceName ?? null,
  phoneModel: d.phone?.model ?? null,
});

/** Reads the desk fields of a form or a CSV row (`describe` names CSV columns). */
function deskFields(f: Fields, plan: { width: number; height: number } | null, partial: boolean) {
  const label = f.text('label', 'problem.label.label', { required: true, max: 40 });
  let features: string[] | undefined;
  if (!partial || f.isPresent('features')) {
    const parsed = parseFeatures(f.raw('features'));
    if (parsed.ok) features = parsed.value;
    else
      f.fail(
        'features',
        'problem.label.features',
        msg('problem.desks.badFeatures', { problem: parsed.problem }),
      );
  }
  const bookable =
    !partial || f.isPresent('bookable')
      ? f.boolean('bookable', 'problem.label.bookable', partial)
      : undefined;
  const coordinate = (field: 'posX' | 'posY', label: string, max: number) =>
    !partial || f.raw(field) !== '' ? f.number(field, label, { min: 0, max }) : undefined;
  const posX = coordinate('posX', 'problem.label.xPosition', plan?.width ?? 100_000);
  const posY = coordinate('posY', 'problem.label.yPosition', plan?.height ?? 100_000);
  const deviceName =
    !partial || f.isPresent('phone')
      ? f.deviceName('phone', 'problem.label.phoneDeviceName', { optional: true })
      : undefined;
  const model = f.text('phoneModel', 'problem.label.phoneModel', { max: 60 }) || null;
  return {
    desk: { label, features, bookable, posX, posY },
    phone: { deviceName, model } satisfies PhoneWish,
  };
}

async function linkPhone(
  tx: Tx,
  deskId: number,
  wish: PhoneWish,
  fail: (message: Message) => void,
): Promise<void> {
  if (wish.deviceName === undefined) {
    if (wish.model) await tx.phone.updateMany({ where: { deskId }, data: { model: wish.model } });
    return;
  }
  const current = await tx.phone.findUnique({ where: { deskId } });
  if (wish.deviceName === null) {
    if (current) await tx.phone.update({ where: { id: current.id }, data: { deskId: null } });
    return;
  }
  const phone = await tx.phone.findUnique({
    where: { deviceName: wish.deviceName },
    include: { desk: { include: { floor: true } } },
  });
  if (phone?.desk && phone.desk.id !== deskId) {
    fail(
      msg('problem.desks.phoneElsewhere', {
        phone: wish.deviceName,
        desk: phone.desk.label,
        floor: phone.desk.floor.name,
      }),
    );
    return;
  }
  if (current && current.deviceName !== wish.deviceName)
    await tx.phone.update({ where: { id: current.id }, data: { deskId: null } });
  if (phone) {
    await tx.phone.update({
      where: { id: phone.id },
      data: { deskId, ...(wish.model ? { model: wish.model } : {}) },
    });
  } else {
    await tx.phone.create({
      data: { deviceName: wish.deviceName, deskId, model: wish.model ?? DEFAULT_PHONE_MODEL },
    });
  }
}

const deskInclude = { phone: { select: { deviceName: true, model: true } } } as const;

export function createDesksService(deps: AdminDeps) {
  const { prisma } = deps;
  const change = changeRunner(deps);
  const duplicateLabel = (label: string) =>
    invalidFields({ label: msg('problem.desks.duplicateLabel', { label }) });
  const findWithPhone = async (tx: Tx, id: number) =>
    requireFound(await tx.desk.findUnique({ where: { id }, include: deskInclude }), 'desk');
  /** The trail's entry of a desk a form or an import created (no `before`) or changed. */
  const trailOf = (before: DeskWithPhone | null, after: DeskWithPhone) =>
    before ? changes(snapshot(before), snapshot(after)) : asCreated(snapshot(after));

  async function save(actor: Actor, floorId: number, deskId: number | null, input: Input) {
    const floor = requireFound(await prisma.floor.findUnique({ where: { id: floorId } }), 'floor');
    const f = new Fields(input);
    const { desk, phone } = deskFields(f, { width: floor.planWidth, height: floor.planHeight }, false);
    f.done();
    const data = desk as DeskData;
    const raced = () => invalidInput(msg('problem.desks.raced'));
    return change(actor, { onDuplicate: raced }, async (tx, audit) => {
      const clash = await tx.desk.findUnique({ where: { floorId_label: { floorId, label: data.label } } });
      if (clash && clash.id !== deskId) throw duplicateLabel(data.label);
      const before = deskId ? await findWithPhone(tx, deskId) : null;
      const saved = deskId
        ? await tx.desk.update({ where: { id: deskId }, data })
        : await tx.desk.create({ data: { ...data, floorId } });
      await linkPhone(tx, saved.id, phone, (message) => {
        throw invalidFields({ phone: message });
      });
      const after = await findWithPhone(tx, saved.id);
      await audit(before ? 'desk.update' : 'desk.create', 'desk', saved.id, trailOf(before, after));
      return after;
    });
  }

  return {
    async getDesk(id: number) {
      return requireFound(
        await prisma.desk.findUnique({
          where: { id },
          include: { phone: true, floor: { include: { site: true } } },
        }),
        'desk',
      );
    },

    createDesk(actor: Actor, floorId: number, input: Input) {
      return save(actor, floorId, null, input);
    },

    async updateDesk(actor: Actor, deskId: number, input: Input) {
      const desk = requireFound(await prisma.desk.findUnique({ where: { id: deskId } }), 'desk');
      return save(actor, desk.floorId, deskId, input);
    },

    /**
     * Imports desks from CSV, all or nothing: desks are matched by site, floor and label
     * (updated) or created. Columns left out of the header keep their current values; an
     * empty phone cell takes the phone off the desk. Every problem is reported with its line.
     */
    async importCsv(actor: Actor, text: string): Promise<{ created: number; updated: number }> {
      const table = readCsvTable(text, DESK_CSV_COLUMNS);
      if (table.rows.length === 0) throw invalidInput(msg('problem.desks.noRows'));
      const problems = new ImportProblems();
      const desks = new LinesSeen();
      const phones = new LinesSeen();
      const parsed = table.rows.map((row) => {
        const f = problems.fields(row, table.columns);
        f.text('site', 'problem.label.site', { required: true, max: 100 });
        f.text('floor', 'problem.label.floor', { required: true, max: 100 });
        const { desk, phone } = deskFields(f, null, true);
        const key = `${row.values.site}\u0000${row.values.floor}\u0000${desk.label}`.toLowerCase();
        const earlier = desks.earlier(key, row.line);
        if (earlier !== undefined)
          f.fail('label', 'label', msg('problem.desks.repeatsLine', { line: earlier }));
        if (phone.deviceName) phones.check(f, 'phone', phone.deviceName, row.line);
        problems.keep(row.line, f);
        return { line: row.line, site: row.values.site ?? '', floor: row.values.floor ?? '', desk, phone };
      });
      problems.throwIfAny();

      const floors = new Map<string, { id: number; planWidth: number; planHeight: number } | null>();
      return importRows(change, actor, 'desk', parsed, problems, async (tx, audit, row) => {
        const fail = (field: string, message: Message) => problems.add(row.line, field, message);
        const floorKey = `${row.site}\u0000${row.floor}`;
        if (!floors.has(floorKey)) {
          const found = await tx.floor.findFirst({
            where: {
              name: { equals: row.floor, mode: 'insensitive' },
              site: { name: { equals: row.site, mode: 'insensitive' } },
            },
          });
          floors.set(floorKey, found);
        }
        const floor = floors.get(floorKey);
        if (!floor) {
          const site = await tx.site.findFirst({
            where: { name: { equals: row.site, mode: 'insensitive' } },
          });
          fail(
            site ? 'floor' : 'site',
            site
              ? msg('problem.desks.noSuchFloor', { site: row.site, floor: row.floor })
              : msg('problem.desks.noSuchSite', { site: row.site }),
          );
          return 'refused';
        }
        const { desk } = row;
        if ((desk.posX ?? 0) > floor.planWidth || (desk.posY ?? 0) > floor.planHeight) {
          fail('posX', msg('problem.desks.offPlan', { width: floor.planWidth, height: floor.planHeight }));
          return 'refused';
        }
        const before = await tx.desk.findUnique({
          where: { floorId_label: { floorId: floor.id, label: desk.label } },
          include: deskInclude,
        });
        const data = Object.fromEntries(Object.entries(desk).filter(([, v]) => v !== undefined));
        const saved = before
          ? await tx.desk.update({ where: { id: before.id }, data })
          : await tx.desk.create({ data: { ...(data as { label: string }), floorId: floor.id } });
        await linkPhone(tx, saved.id, row.phone, (message) =>
          fail('phone', msg('problem.csv.columnProblem', { column: 'phone', problem: message })),
        );
        const after = await findWithPhone(tx, saved.id);
        await audit(before ? 'desk.update' : 'desk.create', 'desk', saved.id, {
          ...trailOf(before, after),
          ...viaCsvLine(row.line),
        });
        return before ? 'updated' : 'created';
      });
    },
  };
}
