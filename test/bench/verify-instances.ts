import type { Figure } from './backends';

export async function verifyInstances(_scale: number): Promise<Figure[]> {
  return [];
}
