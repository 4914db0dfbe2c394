import type { PhoneScreen, SoftKey } from '../phone-service/cisco-xml.js';
import type { PhoneUser } from '../phone-service/phone-auth.js';
import type { BookNowChoices, OwnerAction, PhoneDesk } from '../phone-service/phone-desk.js';
import { invalidInput, msg } from '../errors.js';
import { renderMessage } from '../i18n/render-message.js';
import { formatInZone, zoneAbbreviation } from '../i18n/formats.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { translator, type MessageParams } from '../i18n/translator.js';
import type { PublicUrls } from './public-url.js';

/**
 * The desk phone's screens (Cisco IP Phone XML objects), built from what the routes looked up.
 * Pure: no request, no reply, no service; every URL is absolute, from ROOST_PUBLIC_URL, because
 * phones do not resolve relative ones.
 */

const ACTION_LABEL: Record<OwnerAction, string> = {
  'check-in': 'phone.action.checkIn',
  'extend-30': 'phone.action.extend30',
  'extend-60': 'phone.action.extend60',
  release: 'phone.action.release',
};

/** 20261201T1600Z, the compact form the menus put in URLs (no characters to escape). */
export const formatUntil = (at: Date) => at.toISOString().slice(0, 16).replace(/[-:]/g, '') + 'Z';
export function parseUntil(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z$/.exec(value);
  const at = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!)) : new Date(NaN);
  if (Number.isNaN(at.getTime()) || formatUntil(at) !== value) throw invalidInput(msg('phone.invalidLink'));
  return at;
}

/**
 * The language of a phone's screens: the identified person's choice, else the site's default
 * language (Site.defaultLanguage), else English. A phone sends no Accept-Language worth reading.
 */
export const siteLanguage = (d: Pick<PhoneDesk, 'site'>): Language =>
  isLanguage(d.site.defaultLanguage) ? d.site.defaultLanguage : 'en';
export const personLanguage = (d: Pick<PhoneDesk, 'site'>, user: PhoneUser): Language =>
  isLanguage(user.language) ? user.language : siteLanguage(d);

/** What every screen needs: the language, its catalogue and the absolute URL builder. */
export interface ScreenContext {
  lang: Language;
  t: (key: string, params?: MessageParams) => string;
  url: PublicUrls['to'];
}

export const screenContext = (lang: Language, urls: PublicUrls): ScreenContext => ({
  lang,
  t: (key, params) => translator().t(lang, key, params),
  url: urls.to,
});

const timeIn = (c: ScreenContext, zone: string, at: Date) =>
  `${formatInZone(c.lang, zone, at, 'time')} ${zoneAbbreviation(c.lang, zone, at)}`;

export const exitKey = (c: ScreenContext): SoftKey => ({ name: c.t('phone.key.exit'), url: 'SoftKey:Exit' });
const selectKey = (c: ScreenContext): SoftKey => ({ name: c.t('phone.key.select'), url: 'SoftKey:Select' });
const homeKey = (c: ScreenContext, device: string): SoftKey => ({
  name: c.t('phone.key.desk'),
  url: c.url('/phone/services', { device }),
});
/** Menus under the desk screen: select, back to the desk, exit. */
const menuKeys = (c: ScreenContext, device: string) => [selectKey(c), homeKey(c, device), exitKey(c)];

const deskTitle = (c: ScreenContext, d: PhoneDesk) => c.t('book.desk', { desk: d.desk.label });
const wherePrompt = (d: PhoneDesk) => `${d.floorName}, ${d.site.name}`;

/** A text with the way back to the desk screen (when the device is known) and exit. */
export function messageScreen(
  c: ScreenContext,
  device: string | undefined,
  title: string,
  text: string,
): PhoneScreen {
  return {
    kind: 'text',
    title,
    text,
    softKeys: device ? [homeKey(c, device), exitKey(c)] : [exitKey(c)],
  };
}

/** The user ID + PIN form that posts (by GET) to `url`. */
function signInScreen(c: ScreenContext, title: string, url: string): PhoneScreen {
  return {
    kind: 'input',
    title,
    prompt: c.t('phone.signIn.prompt'),
    url,
    items: [
      { displayName: c.t('phone.signIn.user'), param: 'user', flags: 'A' },
      { displayName: c.t('phone.signIn.pin'), param: 'pin', flags: 'NP' },
    ],
    softKeys: [
      { name: c.t('phone.key.submit'), url: 'SoftKey:Submit' },
      { name: '<<', url: 'SoftKey:<<' },
      { name: c.t('phone.key.cancel'), url: 'SoftKey:Cancel' },
    ],
  };
}

/** The desk screen: who has it (and a way to manage one's booking), or "book now". */
export function deskScreen(c: ScreenContext, d: PhoneDesk): PhoneScreen {
  const zone = d.site.timeZone;
  const device = d.deviceName;
  const desk = deskTitle(c, d);
  const here = c.url('/phone/services', { device });
  const b = d.booking;
  if (b) {
    const who =
      b.startsAt > d.now
        ? c.t('phone.desk.ownerFrom', { name: b.ownerName, time: timeIn(c, zone, b.startsAt) })
        : c.t('phone.desk.ownerUntil', { name: b.ownerName, time: timeIn(c, zone, b.endsAt) });
    return {
      kind: 'menu',
      title: c.t('phone.desk.booked', { desk }),
      prompt: wherePrompt(d),
      items: [
        { name: who, url: here },
        { name: c.t('phone.desk.myBooking'), url: c.url('/phone/manage/sign-in', { device }) },
      ],
      softKeys: [selectKey(c), exitKey(c)],
    };
  }
  const free = d.nextStartsAt
    ? c.t('phone.desk.freeUntil', { time: timeIn(c, zone, d.nextStartsAt) })
    : c.t('find.tag.free');
  return {
    kind: 'menu',
    title: c.t('phone.desk.free', { desk }),
    prompt: wherePrompt(d),
    items: [
      { name: c.t('phone.desk.bookNow'), url: c.url('/phone/book', { device }) },
      { name: free, url: here },
    ],
    softKeys: [selectKey(c), exitKey(c)],
  };
}

/** Book now: the end times on offer, or why there are none. */
export function bookChoicesScreen(c: ScreenContext, d: PhoneDesk, choices: BookNowChoices): PhoneScreen {
  if (choices.ends.length === 0)
    return messageScreen(
      c,
      d.deviceName,
      deskTitle(c, d),
      choices.reason ? renderMessage(c.lang, choices.reason) : c.t('phone.book.notNow'),
    );
  return {
    kind: 'menu',
    title: c.t('phone.book.title', { desk: deskTitle(c, d) }),
    prompt: c.t('phone.book.prompt'),
    items: choices.ends.map((end) => ({
      name: timeIn(c, d.site.timeZone, end),
      url: c.url('/phone/book/sign-in', { device: d.deviceName, until: formatUntil(end) }),
    })),
    softKeys: menuKeys(c, d.deviceName),
  };
}

export function bookSignInScreen(c: ScreenContext, d: PhoneDesk, until: Date): PhoneScreen {
  return signInScreen(
    c,
    c.t('phone.book.until', { time: timeIn(c, d.site.timeZone, until) }),
    c.url('/phone/book/confirm', { device: d.deviceName, until: formatUntil(until) }),
  );
}

/** `manageUrl` carries a fresh token, so "Manage" needs no second PIN. */
export function bookedScreen(
  c: ScreenContext,
  d: PhoneDesk,
  user: PhoneUser,
  endsAt: Date,
  manageUrl: string,
): PhoneScreen {
  return {
    kind: 'text',
    title: c.t('phone.booked.title', { desk: deskTitle(c, d) }),
    text: c.t('phone.booked.text', { time: timeIn(c, d.site.timeZone, endsAt), name: user.displayName }),
    softKeys: [{ name: c.t('phone.key.manage'), url: manageUrl }, homeKey(c, d.deviceName), exitKey(c)],
  };
}

export function manageSignInScreen(c: ScreenContext, d: PhoneDesk): PhoneScreen {
  return signInScreen(
    c,
    c.t('phone.manage.signInTitle', { desk: deskTitle(c, d) }),
    c.url('/phone/manage', { device: d.deviceName }),
  );
}

/** The owner's actions on their booking here; anyone else is told whose booking it is. */
export function manageScreen(
  c: ScreenContext,
  d: PhoneDesk,
  user: PhoneUser,
  actions: readonly OwnerAction[],
  token: string,
): PhoneScreen {
  const desk = deskTitle(c, d);
  const b = d.booking;
  if (!b || b.userId !== user.id) {
    return messageScreen(
      c,
      d.deviceName,
      desk,
      b
        ? c.t('phone.manage.notYours', { desk, owner: b.ownerName, name: user.displayName })
        : c.t('phone.manage.none', { desk }),
    );
  }
  const time = timeIn(c, d.site.timeZone, b.endsAt);
  return {
    kind: 'menu',
    title: desk,
    prompt:
      b.status === 'CHECKED_IN'
        ? c.t('phone.manage.checkedInUntil', { time })
        : c.t('phone.manage.bookedUntil', { time }),
    items: actions.map((action) => ({
      name: c.t(ACTION_LABEL[action]),
      url: c.url('/phone/manage/do', { device: d.deviceName, action, token }),
    })),
    softKeys: menuKeys(c, d.deviceName),
  };
}

/** After an action; a released booking has nothing left to manage, so no "Manage" key. */
export function actionDoneScreen(
  c: ScreenContext,
  d: PhoneDesk,
  action: OwnerAction,
  endsAt: Date,
  manageUrl: string,
): PhoneScreen {
  const time = timeIn(c, d.site.timeZone, endsAt);
  const text =
    action === 'check-in'
      ? c.t('phone.done.checkedIn', { time })
      : action === 'release'
        ? c.t('phone.done.released')
        : c.t('phone.done.extended', { time });
  return {
    kind: 'text',
    title: deskTitle(c, d),
    text,
    softKeys: [
      ...(action === 'release' ? [] : [{ name: c.t('phone.key.manage'), url: manageUrl }]),
      homeKey(c, d.deviceName),
      exitKey(c),
    ],
  };
}
