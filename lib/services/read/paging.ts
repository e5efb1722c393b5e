// The paging contract of list read-models, for pages and the DataTable: what a page asks for
// (page, size, sort, direction, filter text) and what it gets back.
export type { Page, PageRequest, SortDir } from '@/db/queries/paging';
export { servablePage } from '@/db/queries/paging';
