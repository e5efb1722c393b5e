// The SQL side of lib/auth/scope.ts: a DataScope as a WHERE fragment over a lab id column and the
// column holding that lab's region path (join regions for it).
import { sql, type SQL } from 'drizzle-orm';
import type { DataScope } from '@/lib/auth/scope';

/** `labId` and `regionPath` are the columns (or SQL expressions) of the row's lab and its region. */
export function scopeWhere(scope: DataScope, labId: SQL | unknown, regionPath: SQL | unknown): SQL {
  switch (scope.kind) {
    case 'all':
      return sql`1 = 1`;
    case 'region':
      return sql`${regionPath} LIKE ${scope.path.replace(/[%_\\]/g, '\\$&') + '%'} ESCAPE '\\'`;
    case 'lab':
      return sql`${labId} = ${scope.labId}`;
    case 'none':
      return sql`1 = 0`;
  }
}

/** The same fragment for hand-written prepared statements: SQL text with `?` and its parameters. */
export function scopeClause(scope: DataScope, labIdColumn: string, regionPathColumn: string): { clause: string; params: (string | number)[] } {
  switch (scope.kind) {
    case 'all':
      return { clause: '1 = 1', params: [] };
    case 'region':
      return { clause: `${regionPathColumn} LIKE ? ESCAPE '\\'`, params: [scope.path.replace(/[%_\\]/g, '\\$&') + '%'] };
    case 'lab':
      return { clause: `${labIdColumn} = ?`, params: [scope.labId] };
    case 'none':
      return { clause: '1 = 0', params: [] };
  }
}
