/**
 * LabQC statistics engine: pure functions, no I/O, no clock. Every part of the app and any outside
 * check calls these (issue 3). Definitions: ../../../shared/docs/DOMAIN.md §2–4; each function's doc
 * comment cites its standard.
 */
export { describe, coefficientOfVariationPercent, type Description } from './describe';
export { momentsOf, combineMoments, describeMoments, EMPTY_MOMENTS, type Moments } from './moments';
export {
  algorithmA,
  algorithmATrace,
  madE,
  nIQR,
  ALGORITHM_A_CONSTANTS,
  NIQR_SCALE,
  type AlgorithmAOptions,
  type AlgorithmAResult,
  type AlgorithmAStep,
} from './robust';
export {
  uncertaintyOfAssignedValue,
  isUncertaintyNegligible,
  ASSIGNED_VALUE_UNCERTAINTY_FACTOR,
  NEGLIGIBLE_UNCERTAINTY_RATIO,
  standardUncertainty,
  DEFAULT_COVERAGE_FACTOR,
} from './uncertainty';
export {
  zScore,
  zPrimeScore,
  zetaScore,
  enNumber,
  classifyZ,
  zBin,
  classifyEn,
  Z_CLASSES,
  EN_CLASSES,
  type ZClass,
  type EnClass,
} from './scores';
export {
  allowableError,
  withinAllowableError,
  percentDeviation,
  limitAt,
  reportDecimals,
  LIMIT_FORMS,
  type AllowableSpec,
  type LimitForm,
  type ConcentrationRange,
} from './allowable';
export {
  roundScore,
  evaluatedRoundScore,
  classifyRoundScore,
  performanceHistory,
  ROUND_VERDICTS,
  DEFAULT_PASS_PERCENT,
  type RoundVerdict,
  type PerformanceRound,
  type UnsuccessfulReason,
} from './performance';
export {
  evaluateWestgard,
  createWestgardEvaluator,
  type WestgardEvaluator,
  isWestgardRule,
  WESTGARD_RULES,
  WESTGARD_SCOPES,
  RUN_STATUSES,
  DEFAULT_WESTGARD_RULES,
  type WestgardRule,
  type WestgardScope,
  type RunStatus,
  type ControlValue,
  type RunInput,
  type RunVerdict,
  type Violation,
  type ViolationPoint,
} from './westgard';
export {
  targetsFromBaseline,
  newLotTargets,
  NEW_LOT_DAYS,
  type NewLotTargets,
  type DatedValue,
  cumulativeStats,
  CumulativeStats,
  MIN_BASELINE_POINTS,
  MIN_SD_PER_MEAN,
  minTargetSd,
  iqcBiasPercent,
  type ResultAgainstTarget,
  controlZ,
  type Targets,
  type CumulativeState,
} from './targets';
export {
  sigmaMetric,
  recommendRules,
  sigmaRulesRow,
  eqaBiasPercent,
  SIGMA_BIAS_EVENTS,
  SIGMA_RULES_TABLE,
  type EqaDeviationSum,
  type SigmaRulesRow,
  type SigmaRulesTable,
} from './sigma';
export {
  consensusTarget,
  modeTarget,
  categoricalTarget,
  tallyGrades,
  gradeQualitative,
  gradeOrdinal,
  gradeNominal,
  gradeCategorical,
  gradeSample,
  concordancePercent,
  CATEGORICAL_KINDS,
  DEFAULT_CONSENSUS_PERCENT,
  DEFAULT_ORDINAL_TOLERANCE,
  DEFAULT_CATEGORICAL_PASS_PERCENT,
  DEFAULT_CATEGORICAL_SETTINGS,
  type CategoricalKind,
  type CategoricalSettings,
  type CategoricalTarget,
  type NoTargetReason,
  type SampleGrading,
  type Tally,
} from './categorical';
export { roundForDecision, DECISION_DECIMALS } from './numeric';
export {
  judgeCategoryReadings,
  readingWithinExpected,
  QUAL_MISMATCH_RULE,
  ORDINAL_IQC_GRADE_TOLERANCE,
  type CategoryReading,
  type CategoryVerdict,
} from './qualitative-iqc';
export { cvWithinAllowable, roundCvPercent, CV_DECIMALS } from './imprecision';
