// Pages read through service read-models only (issue 11, STYLE.md "Data flows one way"): no file
// under app/ imports db/queries for data, and no page recomputes a round's state from its times.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|tsx)$/.test(e.name) ? [p] : [];
  });
}

const files = sources(path.join(ROOT, 'app')).map((f) => ({ file: path.relative(ROOT, f).split(path.sep).join('/'), text: fs.readFileSync(f, 'utf8') }));

/** The only app/ files allowed to name db/queries, each with why; every such import must be type-only.
 * Empty: even the paging types come through lib/services/read/paging.ts. */
const ALLOWED: Record<string, string> = {};

const QUERY_IMPORT = /import\s+(type\s+)?[^;]*?from\s+['"]@\/db\/queries\/[^'"]+['"]/g;

describe('app/ reads through lib/services', () => {
  it('finds the app sources', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('no file under app/ imports @/db/queries (except the allow-list, types only)', () => {
    const offenders = files.flatMap(({ file, text }) =>
      [...text.matchAll(QUERY_IMPORT)].filter((m) => !(ALLOWED[file] && m[1])).map((m) => `${file}: ${m[0].replace(/\s+/g, ' ')}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the allow-list holds no stale entries', () => {
    for (const file of Object.keys(ALLOWED)) {
      const f = files.find((x) => x.file === file);
      expect(f, file).toBeDefined();
      expect(f!.text).toMatch(QUERY_IMPORT);
    }
  });

  it('no page compares a round opening or closing time: the EQA service answers (roundState)', () => {
    const compare = /(opensAt|closesAt)\s*[<>]=?|[<>]=?\s*[\w.]*\.(opensAt|closesAt)\b/;
    const offenders = files.filter(({ text }) => compare.test(text)).map((f) => f.file);
    expect(offenders).toEqual([]);
  });
});
