// A task that has its judgments: aggregated by its type, then either given one
// more judgment (confidence below min_confidence) or completed, with its
// annotators' reliability updated in the same transaction. The rules are pure
// functions here, shared by the annotator API (one judgment at a time) and the
// sandbox crowd's rounds (many tasks at once, sandbox-rounds.ts).
import type { SqlTx } from "../../db/transaction.js";
import { Prisma, type Annotator, type Task } from "../../generated/prisma/client.js";
import type { PriceList } from "../billing/index.js";
import { completeTask, roundTo, taskColumnsOf, taskTypeOf, type Aggregate, type AggregationContext, type TaskResult, type Vote } from "../tasks/index.js";
import { reliabilityOf } from "./annotators.js";
import { cachedRecentVotes } from "./vote-history.js";

/** Extra judgments a task may get when its confidence is below min_confidence. */
const MAX_EXTRA_JUDGMENTS = 4;
const MAX_JUDGMENTS = 10;

/** A judgment with what aggregation needs of its annotator. */
export interface Voter {
  annotatorId: string;
  answer: unknown;
  annotator: Pick<Annotator, "goldTotal" | "goldCorrect" | "judgmentCount" | "agreedCount">;
}

/** One voter's counts to add once the task completes. */
export interface ReliabilityChange {
  taskId: string;
  annotatorId: string;
  agreed: boolean;
  /** Whether the task was gold, and the voter matched its answer. */
  gold: boolean;
  goldCorrect: boolean;
}

/** Whether the aggregate falls short of the task's min_confidence while the task may still get another judgment. */
export function wantsAnotherJudgment(task: Pick<Task, "minConfidence" | "replication">, judgments: number, confidence: number): boolean {
  const maxJudgments = Math.min(MAX_JUDGMENTS, task.replication + MAX_EXTRA_JUDGMENTS);
  return task.minConfidence !== null && confidence < task.minConfidence && judgments < maxJudgments;
}

/** What aggregation may know: the voters' reliability, and the label space's recent votes. */
export function aggregationContext(voters: Voter[], recentVotes: () => Promise<Vote[][]>): AggregationContext {
  const voter = (annotatorId: string) => voters.find((v) => v.annotatorId === annotatorId)?.annotator;
  return {
    quality: (annotatorId) => {
      const annotator = voter(annotatorId);
      return annotator ? reliabilityOf(annotator).quality : 0.75;
    },
    pastJudgments: (annotatorId) => voter(annotatorId)?.judgmentCount ?? 0,
    recentVotes,
  };
}

/** The result a completed task keeps, and each voter's reliability change: gold accuracy for gold tasks, agreement with the consensus for all. */
export function completionOf(task: Task, voters: Voter[], aggregate: Aggregate<unknown>): { outcome: TaskResult; changes: ReliabilityChange[] } {
  const type = taskTypeOf(task);
  const gold = task.goldAnswer;
  const changes = voters.map((v) => ({
    taskId: task.id,
    annotatorId: v.annotatorId,
    agreed: type.sameAnswer(v.answer, aggregate.answer),
    gold: gold !== null,
    goldCorrect: gold !== null && type.sameAnswer(v.answer, gold),
  }));
  return {
    outcome: {
      result: aggregate.answer,
      confidence: aggregate.confidence,
      aggregation: {
        method: aggregate.method,
        votes: voters.map((v) => ({ annotator_id: v.annotatorId, answer: v.answer, reliability: roundTo(reliabilityOf(v.annotator).quality, 4) })),
      },
      agreeingJudgments: changes.filter((change) => change.agreed).length,
      goldCorrectJudgments: gold !== null ? changes.filter((change) => change.goldCorrect).length : null,
    },
    changes,
  };
}

/**
 * Adds reliability changes to the annotators' counts, and marks each judgment
 * agreed or not (a project's skill table reads it). Rows are locked in id
 * order: two completions at once with overlapping voters would otherwise
 * deadlock (judgment order differs per task). Three statements for any number.
 */
export async function applyReliabilityChanges(tx: SqlTx, changes: ReliabilityChange[]): Promise<void> {
  const sums = new Map<string, { judgments: number; agreed: number; goldTotal: number; goldCorrect: number }>();
  for (const change of changes) {
    const sum = sums.get(change.annotatorId) ?? { judgments: 0, agreed: 0, goldTotal: 0, goldCorrect: 0 };
    sum.judgments++;
    sum.agreed += Number(change.agreed);
    sum.goldTotal += Number(change.gold);
    sum.goldCorrect += Number(change.goldCorrect);
    sums.set(change.annotatorId, sum);
  }
  const ids = [...sums.keys()].sort();
  if (ids.length === 0) return;
  const of = (field: "judgments" | "agreed" | "goldTotal" | "goldCorrect") => ids.map((id) => sums.get(id)![field]);
  // NO KEY UPDATE, as an UPDATE takes: it does not wait on the key-share locks that inserting judgments takes.
  await tx.$queryRaw`SELECT id FROM annotators WHERE id = ANY(${ids}::text[]) ORDER BY id FOR NO KEY UPDATE`;
  await tx.$executeRaw`
    UPDATE annotators a SET judgment_count = a.judgment_count + c.judgments, agreed_count = a.agreed_count + c.agreed,
      gold_total = a.gold_total + c.gold_total, gold_correct = a.gold_correct + c.gold_correct
    FROM unnest(${ids}::text[], ${of("judgments")}::int[], ${of("agreed")}::int[], ${of("goldTotal")}::int[], ${of("goldCorrect")}::int[])
      AS c(id, judgments, agreed, gold_total, gold_correct)
    WHERE a.id = c.id`;
  await tx.$executeRaw`
    UPDATE judgments j SET agreed = c.agreed
    FROM unnest(${changes.map((c) => c.taskId)}::text[], ${changes.map((c) => c.annotatorId)}::text[], ${changes.map((c) => c.agreed)}::bool[]) AS c(task_id, annotator_id, agreed)
    WHERE j.task_id = c.task_id AND j.annotator_id = c.annotator_id`;
}

/** A task's judgments, oldest first, each with its annotator's counts: one statement. */
async function votersOf(tx: SqlTx, taskId: string): Promise<Voter[]> {
  const rows = await tx.$queryRaw<(Voter["annotator"] & { annotatorId: string; answer: unknown })[]>`
    SELECT j.annotator_id AS "annotatorId", j.answer, a.gold_total AS "goldTotal", a.gold_correct AS "goldCorrect",
      a.judgment_count AS "judgmentCount", a.agreed_count AS "agreedCount"
    FROM judgments j JOIN annotators a ON a.id = j.annotator_id
    WHERE j.task_id = ${taskId} ORDER BY j.id`;
  return rows.map(({ annotatorId, answer, ...annotator }) => ({ annotatorId, answer, annotator }));
}

/**
 * Called with the task row locked, once it has its target number of judgments:
 * the task asks for one more, or completes. `completedVotes` are the votes of a
 * completion, for the caller to remember once its transaction has committed.
 */
export async function aggregateAndMaybeComplete(tx: SqlTx, task: Task, prices: PriceList): Promise<{ task: Task; completedVotes?: Vote[] }> {
  const voters = await votersOf(tx, task.id);
  const aggregate = await taskTypeOf(task).aggregate(voters, task.labelSpec, aggregationContext(voters, () => cachedRecentVotes(tx, task)));
  if (wantsAnotherJudgment(task, task.targetJudgments, aggregate.confidence)) {
    const [raised] = await tx.$queryRaw<Task[]>`
      UPDATE tasks SET target_judgments = target_judgments + 1, updated_at = now() WHERE id = ${task.id} RETURNING ${Prisma.raw(taskColumnsOf())}`;
    return { task: raised };
  }
  const { outcome, changes } = completionOf(task, voters, aggregate);
  await applyReliabilityChanges(tx, changes);
  const completed = await completeTask(tx, task, outcome, prices);
  return { task: completed, completedVotes: voters.map(({ annotatorId, answer }) => ({ annotatorId, answer })) };
}
