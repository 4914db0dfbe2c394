import { formatInZone, formatRange, LOCALES, zoneAbbreviation } from './formats.js';
import type { Language } from './languages.js';
import { Message, type MessageValue } from './message.js';
import { translator } from './translator.js';

/** A Message in one language: its parameters formatted first (times in the site's zone). */
export function renderMessage(lang: Language, message: Message): string {
  const params = Object.fromEntries(
    Object.entries(message.params).map(([name, value]) => [name, renderValue(lang, value)]),
  );
  return translator().t(lang, message.key, params);
}

function renderValue(lang: Language, value: MessageValue): string | number {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (value instanceof Message) return renderMessage(lang, value);
  if ('range' in value) return formatRange(lang, value.zone, value.range[0], value.range[1]);
  if ('zoned' in value) {
    if (value.zoned === 'zone') return zoneAbbreviation(lang, value.zone, value.at);
    const style = value.zoned === 'time' ? 'time' : value.zoned === 'day' ? 'dayWithYear' : 'dayLong';
    return formatInZone(lang, value.zone, value.at, style);
  }
  const items = value.items.map((item) => String(renderValue(lang, item)));
  if (value.join === 'and') return new Intl.ListFormat(LOCALES[lang], { type: 'conjunction' }).format(items);
  return items.join(value.join === 'list' ? ', ' : ' ');
}

/**
 * A value with Messages anywhere inside (an error's details: form fields, broken rules, import
 * problems) with each Message put into the language; everything else is kept as it is.
 */
export function renderMessages(lang: Language, value: unknown): unknown {
  if (value instanceof Message) return renderMessage(lang, value);
  if (Array.isArray(value)) return value.map((item) => renderMessages(lang, item));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderMessages(lang, v)]));
  return value;
}
