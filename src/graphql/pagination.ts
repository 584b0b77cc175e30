import { ValidationError } from "../domain/shared/index.js";

const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 25;

/**
 * Pothos `maxSize` that refuses, rather than silently clamps, a page larger
 * than the cap: a client asking for 1000 should learn it gets at most 100.
 */
export function cappedPageSize(args: { first?: number | null; last?: number | null }): number {
  const asked = Math.max(args.first ?? 0, args.last ?? 0);
  if (asked > MAX_PAGE_SIZE) {
    throw new ValidationError(`first/last: at most ${MAX_PAGE_SIZE} items per page`, [
      { path: args.first ? "first" : "last", message: `must be at most ${MAX_PAGE_SIZE}` },
    ]);
  }
  return MAX_PAGE_SIZE;
}
