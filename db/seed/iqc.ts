import type { SeedContext } from './context';

/** Demo iqc data (filled in by the iqc work). */
export async function seedIqc(_ctx: SeedContext): Promise<void> {}
