// Interactive transactions that PostgreSQL may abort under concurrency.
// Lock order everywhere: customer → task → annotators (by id) → batch → job; a
// deadlock or serialization failure that still happens (another process, a
// future path) is retried here, bounded and with jitter, so a caller never
// sees an internal error for it.
import type { Prisma, PrismaClient } from "../generated/prisma/client.js";

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
