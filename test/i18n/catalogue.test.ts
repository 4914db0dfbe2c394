import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../src/i18n/languages.js';
import { loadCatalogue, type Catalogue } from '../../src/i18n/translator.js';

/**
 * The catalogues (locales/*.json) and the code agree: every key is in every language, every
 * key is used somewhere, every key the code asks for exists, every message is valid ICU
 * MessageFormat, and a message's placeholders are the same in each language.
 */
const root = path.resolve(import.meta.dirname, '../..');

function flatten(catalogue: Catalogue, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(catalogue)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

function sources(): { file: string; text: string }[] {
  const files: string[] = [];
  for (const dir of ['src', 'views']) {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })) {
      if (!e.isFile() || !/\.(ts|eta)$/.test(e.name)) continue;
      const file = path.relative(root, path.join(e.parentPath, e.name));
      if (!file.startsWith(`src${path.sep}generated`)) files.push(file);
    }
  }
  return files.map((file) => ({ file, text: readFileSync(path.join(root, file), 'utf8') }));
}

/** Placeholder names of an ICU message ({name}, {count, plural, ...}), sorted. */
function placeholders(message: string): string[] {
  const names = new Set<string>();
  const walk = (elements: ReturnType<typeof parse>) => {
    for (const el of elements) {
      if ('value' in el && typeof el.value === 'string' && el.type !== 0) names.add(el.value);
      if ('options' in el)
        for (const option of Object.values(el.options as Record<string, { value: ReturnType<typeof parse> }>))
          walk(option.value);
    }
  };
  walk(parse(message));
  return [...names].sort();
}

const catalogues = Object.fromEntries(LANGUAGES.map((l) => [l, flatten(loadCatalogue(l))]));
const english = catalogues.en!;

describe('the language catalogues', () => {
  it.each(LANGUAGES.filter((l) => l !== 'en'))('%s has exactly the keys English has', (lang) => {
    const other = catalogues[lang]!;
    expect(
      [...english.keys()].filter((k) => !other.has(k)),
      `missing in ${lang}`,
    ).toEqual([]);
    expect(
      [...other.keys()].filter((k) => !english.has(k)),
      `only in ${lang}`,
    ).toEqual([]);
  });

  it.each(LANGUAGES)('%s: every message is valid ICU MessageFormat and not empty', (lang) => {
    const bad: string[] = [];
    for (const [key, message] of catalogues[lang]!) {
      try {
        parse(message);
        if (message.trim() === '') bad.push(`${key}: empty`);
      } catch (error) {
        bad.push(`${key}: ${(error as Error).message}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('a message has the same placeholders in every language', () => {
    const differ: string[] = [];
    for (const [key, message] of english) {
      for (const lang of LANGUAGES) {
        const other = catalogues[lang]!.get(key);
        if (other !== undefined && placeholders(other).join() !== placeholders(message).join())
          differ.push(`${key} (${lang}): ${placeholders(other).join()} vs ${placeholders(message).join()}`);
      }
    }
    expect(differ).toEqual([]);
  });

  const code = sources();
  // A key is used when its full name stands in the code as a string (t('a.b'), or a map of keys).
  const literals = new Set(
    code.flatMap(({ text }) => [...text.matchAll(/['"`]([a-z][\w-]*(?:\.[\w-]+)+)['"`]/g)].map((m) => m[1]!)),
  );

  it('every key is used somewhere in src/ or views/', () => {
    expect([...english.keys()].filter((k) => !literals.has(k))).toEqual([]);
  });

  it('every key the code asks for with t(...) exists', () => {
    const asked = code.flatMap(({ file, text }) =>
      [...text.matchAll(/\bt\(\s*['"]([^'"]+)['"]/g)].map((m) => ({ file, key: m[1]! })),
    );
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.filter(({ key }) => !english.has(key)).map(({ file, key }) => `${file}: ${key}`)).toEqual(
      [],
    );
  });
});
