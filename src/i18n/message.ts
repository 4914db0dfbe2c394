/**
 * A text to be read, not yet in any language: a catalogue key and its parameters. Domain code
 * (booking/, admin/, scheduler/, phone-service/) says what happened with one of these; web/
 * turns it into the reader's language (renderMessage), and the API into English. So no module
 * outside web/ and the catalogues writes a sentence.
 */
export class Message {
  constructor(
    readonly key: string,
    readonly params: Readonly<Record<string, MessageValue>> = {},
  ) {}
}

/** An instant shown in a site's zone, formatted by the reader's language. */
export interface ZonedValue {
  readonly zoned: 'time' | 'zone' | 'day' | 'dayLong';
  readonly at: Date;
  readonly zone: string;
}

/**
 * Several values in a row: "a, b, c" (list), "a, b and c" in the language (and), or sentences
 * one after another (sentences).
 */
export interface JoinedValue {
  readonly join: 'list' | 'and' | 'sentences';
  readonly items: readonly MessageValue[];
}

/** A booking's time in one line, in the zone: "Wed 2 Dec 2026, 09:00–17:00 CET". */
export interface RangeValue {
  readonly range: readonly [Date, Date];
  readonly zone: string;
}

export type MessageValue = string | number | ZonedValue | RangeValue | JoinedValue | Message;

export const msg = (key: string, params?: Record<string, MessageValue>) => new Message(key, params);

/** "09:00" in the zone. */
export const timeIn = (zone: string, at: Date): ZonedValue => ({ zoned: 'time', at, zone });
/** "CET" / "MEZ": the zone's abbreviation at that instant. */
export const zoneAt = (zone: string, at: Date): ZonedValue => ({ zoned: 'zone', at, zone });
/** "Wed 2 Dec 2026" / "Mi., 2. Dez. 2026". */
export const dayIn = (zone: string, at: Date): ZonedValue => ({ zoned: 'day', at, zone });
/** "Wednesday 2 December 2026" / "Mittwoch, 2. Dezember 2026". */
export const dayLongIn = (zone: string, at: Date): ZonedValue => ({ zoned: 'dayLong', at, zone });
export const rangeIn = (zone: string, startsAt: Date, endsAt: Date): RangeValue => ({
  range: [startsAt, endsAt],
  zone,
});
export const listOf = (items: readonly MessageValue[], style: 'list' | 'and' = 'list'): JoinedValue => ({
  join: style,
  items,
});
export const sentences = (items: readonly MessageValue[]): JoinedValue => ({ join: 'sentences', items });

export const isMessage = (value: unknown): value is Message => value instanceof Message;
