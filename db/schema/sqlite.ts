// The whole LabQC data model. Conventions:
// - instants are integer epoch milliseconds (UTC) in columns named *At; calendar dates are
//   'YYYY-MM-DD' text in columns named *On / validFrom / validTo (certification is decided per day);
// - nothing with history is deleted: rows are deactivated, superseded by a new version, or closed;
// - JSON columns hold small structured facts (rule lists, criteria) that are read whole, never queried.
//
// One file per part of the domain; this file gathers the SQLite tables. The rest of the code imports
// db/schema (index.ts), which hands out the tables of the backend chosen at start-up.
export * from './geography';
export * from './access';
export * from './iqc';
export * from './eqa';
export * from './recognition';
export * from './hospital';
export * from './ops';
