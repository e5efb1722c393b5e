import type { SeedContext } from './context';

/** Demo eqa data (filled in by the eqa work). */
export async function seedEqa(_ctx: SeedContext): Promise<void> {}
