// The IQC evaluation engine shared by every way in (grid, CSV, API, seed) and by edits and
// exclusions. Per series (lab × analyte × instrument):
//   1. runs are formed from the time-ordered results as LIS send them (DOMAIN.md §4): a run starts
//      at a result and takes each following result within the lab's run window of that first result
//      whose level it does not yet hold; the next result left starts the next run. Results sent with
//      a client run id (`run`) form one run per id instead. A late result is placed as if it had
//      arrived in order: the runs it can reach are formed again (stored results keep their ids);
//   2. each run is judged with its own rule set (chosen once, when it is formed) and the target
//      version in force for each value, looking back over the last 12 values of each level and of
//      the flattened sequence of in-control runs (createWestgardEvaluator);
//   3. everything is written with prepared statements, corrective actions follow the verdicts.
// The stored verdicts depend only on the set of results, never on batching or arrival order.
// Callers hold the transaction and have authorized the lab.
//
// The parts: ./series.ts (vocabulary, context, order), ./runs.ts (forming runs, planning a batch),
// ./judge.ts (z, rule sets, verdicts), ./write.ts (writing a plan, re-evaluating a series).
export * from './series';
export * from './runs';
export * from './judge';
export * from './write';
