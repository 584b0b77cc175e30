// Interactive transactions that PostgreSQL may abort under concurrency.
// Lock order everywhere: customer → task → annotators (by id) → batch → job; a
// deadlock or serialization failure that still happens (another process, a
// future path) is retried here, bounded and with jitter, so a caller never
// sees an internal error for it.
import { createHash } from "node:crypto";
import type pg from "pg";
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import { connectionPoolOf } from "./database.js";

const { Sql } = Prisma;
type Sql = Prisma.Sql;

export type Tx = Prisma.TransactionClient;

const RETRYABLE_SQLSTATES = new Set(["40P01", "40001"]);
// Prisma's defaults (2 s to get a connection, 5 s in all) fail work that is
// merely slow on a loaded 2-core machine; these still bound a stuck transaction.
const TRANSACTION_LIMITS = { maxWait: 10_000, timeout: 20_000 };
const MAX_ATTEMPTS = 5;

export async function transaction<T>(prisma: PrismaClient, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(work, TRANSACTION_LIMITS);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryableConflict(error)) throw error;
      // 5–10 ms, 10–20 ms, … so the conflicting transactions do not meet again.
      const backoff = 5 * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, backoff + Math.random() * backoff));
    }
  }
}

/** A deadlock (40P01) or serialization failure (40001), as raised through Prisma's pg adapter. */
function isRetryableConflict(error: unknown): boolean {
  const e = error as { code?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } };
  if (e?.code === "P2034") return true;
  const cause = e?.meta?.driverAdapterError?.cause;
  return Boolean(cause && (RETRYABLE_SQLSTATES.has(cause.originalCode ?? "") || cause.kind === "TransactionWriteConflict"));
}

/** The raw-SQL part of a transaction client: all the hottest paths use, so they can run on a pg connection directly. */
export type SqlTx = Pick<Tx, "$queryRaw" | "$executeRaw">;

/**
 * A transaction on a connection of the Prisma client's own pool, for the
 * annotator API's claim and judgment: each statement is a named prepared
 * statement (parsed once per connection) sent without Prisma's query engine,
 * which cost more of the server's CPU than the rest of the request. Retried
 * like transaction(). The statements are Prisma.sql templates, so the same
 * domain functions run inside either kind of transaction.
 */
export async function sqlTransaction<T>(prisma: PrismaClient, work: (tx: SqlTx) => Promise<T>): Promise<T> {
  const pool = connectionPoolOf(prisma);
  if (!pool) throw new Error("sqlTransaction needs a client made by createPrismaClient");
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let healthy = true;
    try {
      await client.query("BEGIN");
      const result = await work(sqlSession(client));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => (healthy = false));
      if (attempt >= MAX_ATTEMPTS || !RETRYABLE_SQLSTATES.has((error as { code?: string }).code ?? "")) throw error;
      const backoff = 5 * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, backoff + Math.random() * backoff));
    } finally {
      client.release(!healthy);
    }
  }
}

/** $queryRaw and $executeRaw over one pg connection, as named prepared statements. */
function sqlSession(client: pg.PoolClient): SqlTx {
  const run = (strings: TemplateStringsArray | Sql, values: unknown[]) => {
    const query = strings instanceof Sql ? strings : new Sql(strings, values);
    return client.query({ name: statementName(query.text), text: query.text, values: query.values });
  };
  const session = {
    $queryRaw: async (strings: TemplateStringsArray | Sql, ...values: unknown[]) => (await run(strings, values)).rows,
    $executeRaw: async (strings: TemplateStringsArray | Sql, ...values: unknown[]) => (await run(strings, values)).rowCount ?? 0,
  };
  return session as unknown as SqlTx;
}

/** One name per statement text (a connection prepares each once). */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `sql_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    if (statementNames.size < 10_000) statementNames.set(text, name);
  }
  return name;
}
