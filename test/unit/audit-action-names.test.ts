// Every audit action the code can write has a label in both languages, so /audit never shows a raw
// `localCode.map`. There is no list of actions (db/queries/audit.ts types `action` as a string), so
// the actions are read from the source: the `action:` of every insertAudit(…) and auditFolded(…)
// call under lib/, db/ and app/, with its string literals (a ternary gives both); the two template
// literals are expanded from the values their code can take (table below).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGES } from '@/lib/i18n/messages';
import { CERTIFICATION_ACTIONS } from '@/db/enums';

const root = path.resolve(__dirname, '../..');

/** template → the values its `${…}` takes (keep in step with the code named) */
const TEMPLATES: Record<string, readonly string[]> = {
  // lib/services/recognition/decisions.ts: every decision, flag and expiry
  'certification.${action}': CERTIFICATION_ACTIONS,
  // lib/services/eqa/rounds.ts transition(): action is 'open' | 'close'
  'eqa.round.${action}': ['open', 'close'],
};
/** calls whose `action:` passes on a caller's (those callers are scanned themselves) */
const PASS_THROUGH = ['lib/services/audit.ts e.action'];

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'migrations' ? [] : sources(rel);
    return /\.tsx?$/.test(e.name) ? [rel] : [];
  });
}

/** the text between the bracket at `open` and its partner */
function balanced(s: string, open: number): string {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if ('([{'.includes(s[i])) depth++;
    else if (')]}'.includes(s[i]) && --depth === 0) return s.slice(open + 1, i);
  }
  return s.slice(open + 1);
}

/** the expression after `action:` up to the next comma or closing bracket at its own depth */
function expressionAt(s: string, from: number): string {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    if ('([{'.includes(s[i])) depth++;
    else if (')]}'.includes(s[i]) && depth-- === 0) return s.slice(from, i).trim();
    else if (s[i] === ',' && depth === 0) return s.slice(from, i).trim();
  }
  return s.slice(from).trim();
}

function auditActions(): { actions: Set<string>; unknown: string[] } {
  const actions = new Set<string>();
  const unknown: string[] = [];
  for (const file of ['lib', 'db', 'app'].flatMap(sources)) {
    const s = fs.readFileSync(path.join(root, file), 'utf8');
    for (const call of s.matchAll(/\b(?:insertAudit|auditFolded)\(/g)) {
      const args = balanced(s, call.index + call[0].length - 1);
      const at = /\baction:\s*/.exec(args);
      if (!at) continue; // the function's own declaration
      const expr = expressionAt(args, at.index + at[0].length);
      const literals = [...expr.matchAll(/'([^']*)'|"([^"]*)"|`([^`]*)`/g)].map((m) => m[1] ?? m[2] ?? m[3]);
      if (!literals.length && !PASS_THROUGH.includes(`${file} ${expr}`)) unknown.push(`${file}: ${expr}`);
      for (const l of literals) {
        if (!l.includes('${')) actions.add(l);
        else if (TEMPLATES[l]) for (const v of TEMPLATES[l]) actions.add(l.replace(/\$\{[^}]*\}/, v));
        else unknown.push(`${file}: ${l}`);
      }
    }
  }
  return { actions, unknown };
}

describe('audit action names', () => {
  const { actions, unknown } = auditActions();

  it('every action written is read from the source (a new template or variable goes in the tables above)', () => {
    expect(unknown).toEqual([]);
    expect(actions.size).toBeGreaterThan(40); // the scan found the calls
  });

  it.each(['en', 'zh'] as const)('has a label for every action in %s (admin.audit.actionNames)', (locale) => {
    const names = MESSAGES[locale].admin.audit.actionNames as Record<string, string>;
    expect([...actions].filter((a) => !names[a.replace(/\./g, '_')]).sort()).toEqual([]);
  });
});
