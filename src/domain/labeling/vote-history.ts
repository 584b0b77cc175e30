// The votes Dawid–Skene is fitted on: those of the customer environment's
// recent completed tasks with the same type and label_spec (a label space).
// The annotator API completes tasks one at a time, so re-reading 300 tasks'
// judgments at every completion cost more than the rest of it: each process
// keeps a label space's votes once read, adds the completions it commits, and
// reads them again when older than REFRESH_MS (other processes' completions).
import type { SqlTx } from "../../db/transaction.js";
import type { Task } from "../../generated/prisma/client.js";
import type { Vote } from "../tasks/index.js";

/** How many recent tasks with the same label space feed a Dawid–Skene fit. */
export const DAWID_SKENE_CONTEXT = 300;
const REFRESH_MS = 30_000;
/** Label spaces kept per process; the least recently used goes first. */
const MAX_LABEL_SPACES = 1_000;

type LabelSpaceTask = Pick<Task, "customerId" | "environment" | "type" | "labelSpec">;

/** The tasks whose votes one Dawid–Skene fit shares. */
export function labelSpaceKey(task: LabelSpaceTask): string {
  return `${task.customerId}\0${task.environment}\0${task.type}\0${JSON.stringify(task.labelSpec)}`;
}

/** The votes on the label space's recent completed tasks, newest first, read from the database. */
export async function recentVotesOf(tx: SqlTx, task: LabelSpaceTask): Promise<Vote[][]> {
  const rows = await tx.$queryRaw<{ votes: Vote[] }[]>`
    SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object('annotatorId', j.annotator_id, 'answer', j.answer) ORDER BY j.id), '[]')
            FROM judgments j WHERE j.task_id = t.id) AS votes
    FROM tasks t
    WHERE t.customer_id = ${task.customerId} AND t.environment = ${task.environment} AND t.type = ${task.type}
      AND t.status = 'completed' AND t.label_spec = ${JSON.stringify(task.labelSpec)}::jsonb
    ORDER BY t.id DESC
    LIMIT ${DAWID_SKENE_CONTEXT}`;
  return rows.map((row) => row.votes);
}

interface History {
  votes: Vote[][];
  readAt: number;
}

const histories = new Map<string, History>();

/** recentVotesOf, from this process's copy when it is fresh enough. */
export async function cachedRecentVotes(tx: SqlTx, task: LabelSpaceTask): Promise<Vote[][]> {
  const key = labelSpaceKey(task);
  const kept = histories.get(key);
  if (kept && Date.now() - kept.readAt < REFRESH_MS) {
    histories.delete(key);
    histories.set(key, kept); // most recently used last
    return kept.votes;
  }
  const votes = await recentVotesOf(tx, task);
  histories.set(key, { votes, readAt: Date.now() });
  if (histories.size > MAX_LABEL_SPACES) histories.delete(histories.keys().next().value!);
  return votes;
}

/** A completion this process committed: its votes join the label space's copy (if one is kept). */
export function rememberCompletion(task: LabelSpaceTask, votes: Vote[]): void {
  const kept = histories.get(labelSpaceKey(task));
  if (!kept) return;
  kept.votes = [votes, ...kept.votes].slice(0, DAWID_SKENE_CONTEXT);
}
