// Cursor pages for REST lists: `limit` 1..100 (default 25) and an opaque
// `cursor`; the answer is {data, next_cursor}. Keyset on the primary key.
import { z } from "zod";
import { parseInput } from "../domain/shared/index.js";

const MAX_LIMIT = 100;

export const pageSchema = z.object({
  limit: z.coerce.number({ message: "must be a number" }).int("must be an integer").min(1, "must be at least 1").max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`).default(25),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, "is not a cursor from this API")
    .transform((value) => Buffer.from(value, "base64url").toString("utf8"))
    .refine((id) => /^[a-z]+_[0-9a-z]{26}$/.test(id), "is not a cursor from this API")
    .optional(),
});

export interface PageRequest {
  limit: number;
  /** The id after which the page starts. */
  after?: string;
}

/** Reads limit and cursor from a query string; 400 naming the parameter when they are wrong. */
export function pageRequest(query: Record<string, unknown>): PageRequest {
  const { limit, cursor } = parseInput(pageSchema, { limit: single(query.limit), cursor: single(query.cursor) });
  return { limit, after: cursor };
}

/** Prisma paging arguments for a page: one row more than asked, to know whether another page follows. */
export function pageQuery(page: PageRequest) {
  return { take: page.limit + 1, ...(page.after ? { cursor: { id: page.after }, skip: 1 } : {}) };
}

export function pageBody<T extends { id: string }, V>(rows: T[], page: PageRequest, view: (row: T) => V) {
  const items = rows.slice(0, page.limit);
  const more = rows.length > page.limit;
  return { data: items.map(view), next_cursor: more ? Buffer.from(items[items.length - 1].id).toString("base64url") : null };
}

/** A repeated query parameter (?a=1&a=2) counts as its first value. */
export function single(value: unknown): string | undefined {
  return Array.isArray(value) ? value[0] : (value as string | undefined) || undefined;
}
