/**
 * A Cisco IP phone as far as Roost's service is concerned: GETs a URL, parses the XML object,
 * checks it against the object shapes and limits of CiscoIPPhone.xsd, follows menu items and
 * submits input screens the way the phone does (entries appended to the URL's query string).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

export interface Screen {
  root: 'CiscoIPPhoneMenu' | 'CiscoIPPhoneText' | 'CiscoIPPhoneInput';
  title: string;
  prompt: string | undefined;
  text: string | undefined;
  url: string | undefined;
  items: { name: string; url: string }[];
  inputs: { displayName: string; param: string; flags: string }[];
  softKeys: { name: string; url: string; position: number }[];
  raw: string;
  status: number;
  headers: Record<string, unknown>;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ['MenuItem', 'InputItem', 'SoftKeyItem'].includes(name),
  processEntities: true,
});

const ORDER: Record<Screen['root'], string[]> = {
  CiscoIPPhoneMenu: ['Title', 'Prompt', 'MenuItem', 'SoftKeyItem'],
  CiscoIPPhoneText: ['Title', 'Prompt', 'Text', 'SoftKeyItem'],
  CiscoIPPhoneInput: ['Title', 'Prompt', 'URL', 'InputItem', 'SoftKeyItem'],
};

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const chars = (s: string) => [...s].length;

/** Parses and checks one XML object; throws (fails the test) on any shape or limit problem. */
export function parseScreen(raw: string, status = 200, headers: Record<string, unknown> = {}): Screen {
  expect(XMLValidator.validate(raw)).toBe(true);
  const doc = parser.parse(raw) as Record<string, Record<string, unknown>>;
  const roots = Object.keys(doc).filter((k) => k !== '?xml');
  expect(roots).toHaveLength(1);
  const root = roots[0] as Screen['root'];
  expect(Object.keys(ORDER)).toContain(root);
  const body = doc[root]!;
  for (const key of Object.keys(body)) expect(ORDER[root]).toContain(key);
  // Element order as the schema's sequence demands (top-level children only).
  const topLevel = raw.replace(/<(MenuItem|InputItem|SoftKeyItem)>[\s\S]*?<\/\1>/g, '<$1>');
  const seen = [...topLevel.matchAll(new RegExp(`<(${ORDER[root].join('|')})>`, 'g'))].map((m) => m[1]!);
  const ranks = seen.map((name) => ORDER[root].indexOf(name));
  expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

  const title = str(body.Title);
  expect(chars(title)).toBeLessThanOrEqual(32);
  const prompt = body.Prompt === undefined ? undefined : str(body.Prompt);
  if (prompt !== undefined) expect(chars(prompt)).toBeLessThanOrEqual(32);
  const items = ((body.MenuItem as Record<string, unknown>[] | undefined) ?? []).map((i) => ({
    name: str(i.Name),
    url: str(i.URL),
  }));
  expect(items.length).toBeLessThanOrEqual(100);
  for (const i of items) {
    expect(chars(i.name)).toBeLessThanOrEqual(64);
    expect(i.url.length).toBeLessThanOrEqual(256);
    expect(i.url).toMatch(/^https?:\/\//);
  }
  const inputs = ((body.InputItem as Record<string, unknown>[] | undefined) ?? []).map((i) => ({
    displayName: str(i.DisplayName),
    param: str(i.QueryStringParam),
    flags: str(i.InputFlags),
  }));
  expect(inputs.length).toBeLessThanOrEqual(5);
  for (const i of inputs) {
    expect(chars(i.displayName)).toBeLessThanOrEqual(32);
    expect(i.param).toMatch(/^\w{1,32}$/);
    expect(i.flags).toMatch(/^[ATNEULP]{1,3}$/);
  }
  const softKeys = ((body.SoftKeyItem as Record<string, unknown>[] | undefined) ?? []).map((k) => ({
    name: str(k.Name),
    url: str(k.URL),
    position: Number(k.Position),
  }));
  expect(softKeys.length).toBeLessThanOrEqual(8);
  for (const k of softKeys) {
    expect(chars(k.name)).toBeLessThanOrEqual(32);
    expect(k.url.length).toBeLessThanOrEqual(256);
    expect(k.position).toBeGreaterThanOrEqual(1);
    expect(k.position).toBeLessThanOrEqual(8);
  }
  const text = body.Text === undefined ? undefined : str(body.Text);
  if (root === 'CiscoIPPhoneText') {
    expect(text).toBeDefined();
    expect(chars(text!)).toBeLessThanOrEqual(4000);
  }
  const url = body.URL === undefined ? undefined : str(body.URL);
  if (root === 'CiscoIPPhoneInput') {
    expect(url).toMatch(/^https?:\/\//);
    expect(url!.length).toBeLessThanOrEqual(256);
  }
  return { root, title, prompt, text, url, items, inputs, softKeys, raw, status, headers };
}

export class Phone {
  constructor(
    readonly app: FastifyInstance,
    readonly device: string,
  ) {}

  /** GET as the phone does; the screen must be a valid object with the right content type. */
  async get(url: string): Promise<Screen> {
    const u = new URL(url, 'http://roost.test');
    const res = await this.app.inject({
      method: 'GET',
      url: u.pathname + u.search,
      headers: { host: 'roost.test', 'user-agent': 'Allegro-Software-WebClient/4.34' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    return parseScreen(res.body, res.statusCode, res.headers);
  }

  home(): Promise<Screen> {
    return this.get(`/phone/services?device=${this.device}`);
  }

  /** Selects the menu item whose name matches. */
  async select(screen: Screen, name: string | RegExp): Promise<Screen> {
    expect(screen.root).toBe('CiscoIPPhoneMenu');
    const item = screen.items.find((i) => (typeof name === 'string' ? i.name === name : name.test(i.name)));
    if (!item)
      throw new Error(`No menu item ${String(name)} in ${screen.items.map((i) => i.name).join(' | ')}`);
    return this.get(item.url);
  }

  /** Fills an input screen and presses Submit: the phone appends the entries to its URL. */
  submit(screen: Screen, values: Record<string, string>): Promise<Screen> {
    expect(screen.root).toBe('CiscoIPPhoneInput');
    const query = new URLSearchParams();
    for (const input of screen.inputs) query.set(input.param, values[input.param] ?? '');
    const url = screen.url!;
    return this.get(url + (url.includes('?') ? '&' : '?') + query.toString());
  }

  softKey(screen: Screen, name: string): Promise<Screen> {
    const key = screen.softKeys.find((k) => k.name === name);
    if (!key) throw new Error(`No soft key ${name}`);
    return this.get(key.url);
  }
}
