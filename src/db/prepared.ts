// Named prepared statements for the hottest queries: PostgreSQL parses and
// plans each once per connection. Prisma's raw queries are parsed and planned
// at every call, which for a statement of several CTEs cost more than running it.
import type { PrismaClient } from "../generated/prisma/client.js";
import { connectionPoolOf } from "./database.js";

/**
 * A statement with `$1…` parameters, run on the pool of the Prisma client it
 * is given (so outside any Prisma transaction: one statement is atomic). A
 * client without a pool of ours runs it through Prisma instead.
 */
export function preparedStatement<Row>(name: string, text: string) {
  return async (prisma: PrismaClient, values: unknown[]): Promise<Row[]> => {
    const pool = connectionPoolOf(prisma);
    if (!pool) return prisma.$queryRawUnsafe<Row[]>(text, ...values);
    return (await pool.query({ name, text, values })).rows as Row[];
  };
}
