import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as stats from '../../../lib/stats';

const STATS_DIR = path.resolve(__dirname, '../../../lib/stats');

describe('lib/stats public surface (issue 3)', () => {
  it.each([
    'describe',
    'algorithmA',
    'madE',
    'nIQR',
    'uncertaintyOfAssignedValue',
    'isUncertaintyNegligible',
    'zScore',
    'zPrimeScore',
    'zetaScore',
    'enNumber',
    'classifyZ',
    'classifyEn',
    'allowableError',
    'withinAllowableError',
    'percentDeviation',
    'roundScore',
    'performanceHistory',
    'evaluateWestgard',
    'targetsFromBaseline',
    'cumulativeStats',
    'sigmaMetric',
    'recommendRules',
  ])('exports the function %s', (name) => {
    expect(typeof (stats as Record<string, unknown>)[name]).toBe('function');
  });

  it('exports the rule codes as one tuple, in the order of issue 3', () => {
    expect(stats.WESTGARD_RULES).toEqual(['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '2of3-2s', '3-1s', '6x', '8x', '9x', '10x', '12x']);
  });

  it('the default rule sets are those of DOMAIN.md §4', () => {
    expect(stats.DEFAULT_WESTGARD_RULES[2]).toEqual(['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10x']);
    expect(stats.DEFAULT_WESTGARD_RULES[3]).toEqual(['1-3s', '2of3-2s', 'R-4s', '3-1s', '6x']);
  });

  const files = readdirSync(STATS_DIR).filter((f) => f.endsWith('.ts'));
  it.each(files)('%s imports only simple-statistics and sibling modules (no db/, next, react, node:*)', (file) => {
    const source = readFileSync(path.join(STATS_DIR, file), 'utf8');
    const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    for (const spec of specifiers) {
      expect(spec === 'simple-statistics' || spec.startsWith('./'), `${file} imports ${spec}`).toBe(true);
    }
  });

  it.each(files)('%s reads no clock and no randomness (time and data are passed in)', (file) => {
    const source = readFileSync(path.join(STATS_DIR, file), 'utf8');
    expect(source).not.toMatch(/Date\.now|new Date|performance\.now|Math\.random|process\./);
  });
});
