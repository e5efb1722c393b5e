import type { SeedContext } from './context';

/** Demo recognition data (filled in by the recognition work). */
export async function seedRecognition(_ctx: SeedContext): Promise<void> {}
