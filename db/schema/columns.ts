import { integer } from 'drizzle-orm/sqlite-core';

/** Surrogate key: SQLite rowid alias. */
export const id = () => integer('id').primaryKey({ autoIncrement: true });
/** Instant the row was written, epoch ms (UTC). */
export const createdAt = () => integer('created_at').notNull();
