import { msg, type Message } from './i18n/message.js';
import { renderMessage } from './i18n/render-message.js';

export {
  msg,
  dayIn,
  dayLongIn,
  listOf,
  rangeIn,
  sentences,
  timeIn,
  zoneAt,
  type Message,
} from './i18n/message.js';

/**
 * Domain errors: a stable code, and what went wrong as a catalogue key with parameters (a
 * Message), never as a sentence. HTTP statuses are decided once, in web/errors.ts, and the
 * sentence in the reader's language is built there too; nothing outside web/ knows about them.
 */
export type RoostErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'BOOKING_CONFLICT'
  /** The thing still holds others (a site its floors, a floor its desks): remove those first. */
  | 'IN_USE'
  | 'RULE_VIOLATION'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

export class RoostError extends Error {
  /** The form field the error is about (a page shows the message beside it), if one. */
  field: string | undefined;

  constructor(
    readonly code: RoostErrorCode,
    /** What went wrong, for a person: web/ says it in their language. */
    readonly text: Message,
    /**
     * Extra facts for API clients (e.g. which rule, alternative desks). Never secrets. Messages
     * in here (form fields, broken rules) are put into the reader's language by web/.
     */
    readonly details: Record<string, unknown> = {},
  ) {
    // Error.message (for logs and stack traces) is the English catalogue text, rendered when
    // read (below): most errors are answered in the reader's language and never logged.
    super();
    this.name = 'RoostError';
  }

  /** Names the form field the error is about. */
  about(field: string): this {
    this.field = field;
    return this;
  }
}

// An accessor, not a class getter: TypeScript does not let an accessor override Error's
// `message` property. Assigning a message (as some libraries do to add context) keeps it.
Object.defineProperty(RoostError.prototype, 'message', {
  configurable: true,
  get(this: RoostError) {
    return renderMessage('en', this.text);
  },
  set(this: RoostError, value: string) {
    Object.defineProperty(this, 'message', { value, writable: true, configurable: true });
  },
});

export const invalidInput = (text: Message, details?: Record<string, unknown>) =>
  new RoostError('INVALID_INPUT', text, details);

/**
 * Bad input in named form fields: each field's message shown beside it, the error's own text
 * the one field's message, or a count of the fields to correct.
 */
export function invalidFields(fields: Record<string, Message>): RoostError {
  const messages = Object.values(fields);
  const text =
    messages.length === 1 ? messages[0]! : msg('problem.fields.several', { count: messages.length });
  const error = new RoostError('INVALID_INPUT', text, { fields });
  const names = Object.keys(fields);
  return names.length === 1 ? error.about(names[0]!) : error;
}

/** What may be not found, each with its catalogue key. */
const NOT_FOUND_KEYS = {
  booking: 'problem.notFound.booking',
  desk: 'problem.notFound.desk',
  floor: 'problem.notFound.floor',
  plan: 'problem.notFound.plan',
  site: 'problem.notFound.site',
  person: 'problem.notFound.person',
  phone: 'problem.notFound.phone',
  emCluster: 'problem.notFound.emCluster',
  webhook: 'problem.notFound.webhook',
  token: 'problem.notFound.token',
  calendarFeed: 'problem.notFound.calendarFeed',
} as const;
export type Findable = keyof typeof NOT_FOUND_KEYS;

/** "Desk 12 was not found." (or "This desk was not found." when the id is not known). */
export const notFound = (thing: Findable, id?: number | string) =>
  new RoostError('NOT_FOUND', msg(NOT_FOUND_KEYS[thing], { id: id === undefined ? 'none' : String(id) }));
export const inUse = (text: Message) => new RoostError('IN_USE', text);
export const forbidden = (text: Message = msg('problem.forbidden')) => new RoostError('FORBIDDEN', text);
