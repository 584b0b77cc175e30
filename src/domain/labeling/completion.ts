// A task that has its judgments: aggregated by its type, then either given one
// more judgment (confidence below min_confidence) or completed, with its
// annotators' reliability updated in the same transaction. The rules are pure
// functions here, shared by the annotator API (one judgment at a time) and the
// sandbox crowd's rounds (many tasks at once, sandbox-rounds.ts).
import type { Tx } from "../../db/transaction.js";
import type { Annotator, Prisma, Task } from "../../generated/prisma/client.js";
import type { PriceList } from "../billing/index.js";
import { completeTask, roundTo, taskTypeOf, type Aggregate, type AggregationContext, type TaskResult, type Vote } from "../tasks/index.js";
import { reliabilityOf } from "./annotators.js";

/** Extra judgments a task may get when its confidence is below min_confidence. */
const MAX_EXTRA_JUDGMENTS = 4;
const MAX_JUDGMENTS = 10;
/** How many recent tasks with the same label space feed a Dawid–Skene fit. */
export const DAWID_SKENE_CONTEXT = 300;

/** A judgment with what aggregation needs of its annotator. */
export interface Voter {
  annotatorId: string;
  answer: unknown;
  annotator: Pick<Annotator, "goldTotal" | "goldCorrect" | "judgmentCount" | "agreedCount">;
}

/** One voter's counts to add once the task completes. */
export interface ReliabilityChange {
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
 * Adds reliability changes to the annotators' counts. Rows are locked in id
 * order: two completions at once with overlapping voters would otherwise
 * deadlock (judgment order differs per task). Two statements for any number.
 */
export async function applyReliabilityChanges(tx: Tx, changes: ReliabilityChange[]): Promise<void> {
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
}

/** Called with the task row locked, once it has its target number of judgments. */
export async function aggregateAndMaybeComplete(tx: Tx, task: Task, prices: PriceList): Promise<Task> {
  const voters = await tx.judgment.findMany({ where: { taskId: task.id }, include: { annotator: true }, orderBy: { id: "asc" } });
  const aggregate = await taskTypeOf(task).aggregate(voters, task.labelSpec, aggregationContext(voters, () => recentVotesOf(tx, task)));
  if (wantsAnotherJudgment(task, task.targetJudgments, aggregate.confidence)) {
    return tx.task.update({ where: { id: task.id }, data: { targetJudgments: { increment: 1 } } });
  }
  const { outcome, changes } = completionOf(task, voters, aggregate);
  await applyReliabilityChanges(tx, changes);
  return completeTask(tx, task, outcome, prices);
}

/** The votes on the customer environment's recent completed tasks with this task's type and label_spec, newest first. */
export async function recentVotesOf(tx: Tx, task: Task): Promise<Vote[][]> {
  const recent = await tx.task.findMany({
    where: { customerId: task.customerId, environment: task.environment, type: task.type, status: "completed", labelSpec: { equals: task.labelSpec as Prisma.InputJsonValue } },
    orderBy: { id: "desc" },
    take: DAWID_SKENE_CONTEXT,
    select: { judgments: { select: { annotatorId: true, answer: true } } },
  });
  return recent.map((t) => t.judgments);
}
