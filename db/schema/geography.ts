import { sql } from 'drizzle-orm';
import { sqliteTable, integer, text, real, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { REGION_LEVELS, LAB_LEVELS, ANALYTE_CATEGORIES, ANALYTE_KINDS, LIMIT_FORMS, type ItemCategory } from '../enums';
import { id, createdAt } from './columns';

// ---------------------------------------------------------------------------------------------
// Geography and institutions

/** Administrative regions (GB/T 2260 codes): national > province > city. `path` is the chain of
 * codes from the root, e.g. `/100000/440000/440300/`, so "a region and its sub-regions" is one
 * indexed prefix match. */
export const regions = sqliteTable(
  'regions',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en').notNull(),
    level: text('level', { enum: REGION_LEVELS }).notNull(),
    parentId: integer('parent_id'),
    path: text('path').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('regions_code_uq').on(t.code), index('regions_path_idx').on(t.path), index('regions_parent_idx').on(t.parentId)],
);

export const laboratories = sqliteTable(
  'laboratories',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en'),
    level: text('level', { enum: LAB_LEVELS }).notNull(),
    regionId: integer('region_id')
      .notNull()
      .references(() => regions.id),
    address: text('address'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** IQC: results of one analyte × instrument within this many minutes of a run's first result
     * (one per level) form one run (DOMAIN.md §4) */
    runWindowMinutes: integer('run_window_minutes').notNull().default(30),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  // the English name for a reader of English, the Chinese one where a lab has none (the list's sort)
  (t) => [uniqueIndex('labs_code_uq').on(t.code), index('labs_region_idx').on(t.regionId), index('labs_name_idx').on(t.name), index('labs_name_en_idx').on(sql`coalesce(${t.nameEn}, ${t.name})`)],
);

/** The analyte catalogue with its quality specifications. `teaPercent`/`teaAbsolute` form the
 * allowable total error used for EQA grading (allowed = max(absolute, percent·|target|)). */
export const analytes = sqliteTable(
  'analytes',
  {
    id: id(),
    code: text('code').notNull(),
    loinc: text('loinc'),
    nameEn: text('name_en').notNull(),
    nameZh: text('name_zh').notNull(),
    unit: text('unit').notNull(),
    category: text('category', { enum: ANALYTE_CATEGORIES }).notNull(),
    kind: text('kind', { enum: ANALYTE_KINDS }).notNull().default('quantitative'),
    /** result categories of a qualitative, ordinal or nominal item, from the lowest (negative) grade
     * to the highest; null for quantitative items (lib/catalogue/kinds.ts reads them) */
    categories: text('categories', { mode: 'json' }).$type<ItemCategory[]>(),
    /** the analyser's signal behind a qualitative answer (e.g. 'S/CO', 'OD') and its cut-off */
    signalUnit: text('signal_unit'),
    signalCutoff: real('signal_cutoff'),
    teaPercent: real('tea_percent'),
    teaAbsolute: real('tea_absolute'),
    teaAbsoluteAtOrBelow: real('tea_absolute_at_or_below'),
    /** how teaPercent and teaAbsolute combine: WS/T 'threshold' (absolute at or below
     * teaAbsoluteAtOrBelow, percent above) or CLIA 'greater_of'; null when only one is given */
    teaForm: text('tea_form', { enum: LIMIT_FORMS }),
    teaSource: text('tea_source').notNull(),
    allowableCvPercent: real('allowable_cv_percent'),
    allowableBiasPercent: real('allowable_bias_percent'),
    cvSource: text('cv_source'),
    ncclEqaRange: text('nccl_eqa_range'),
    cliaLimit: text('clia_limit'),
    cliaConfidence: text('clia_confidence'),
    notes: text('notes'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('analytes_code_uq').on(t.code)],
);

/** Concentration-dependent allowable limits of an analyte (WS/T 406-2024 states haematology
 * requirements by range). A range covers from < target ≤ to (null = unbounded); when an analyte has
 * ranges, the one holding the EQA target sets the limit, else the analyte's flat TEa applies. */
export const analyteLimitRanges = sqliteTable(
  'analyte_limit_ranges',
  {
    id: id(),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    fromValue: real('from_value'),
    toValue: real('to_value'),
    percent: real('percent'),
    absolute: real('absolute'),
    form: text('form', { enum: LIMIT_FORMS }),
    threshold: real('threshold'),
    source: text('source').notNull(),
  },
  (t) => [index('analyte_limit_ranges_analyte_idx').on(t.analyteId, t.fromValue)],
);

// ---------------------------------------------------------------------------------------------

export type Region = typeof regions.$inferSelect;
export type Laboratory = typeof laboratories.$inferSelect;
export type Analyte = typeof analytes.$inferSelect;
