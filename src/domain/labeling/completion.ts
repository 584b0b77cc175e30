// A task that has its judgments: aggregated by its type, then either given one
// more judgment (confidence below min_confidence) or completed, with its
// annotators' reliability updated in the same transaction.
import type { Tx } from "../../db/transaction.js";
import type { Annotator, Judgment, Prisma, Task } from "../../generated/prisma/client.js";
import type { PriceList } from "../billing/index.js";
import { completeTask, roundTo, taskTypeOf, type AggregationContext } from "../tasks/index.js";
import { reliabilityOf } from "./annotators.js";

/** Extra judgments a task may get when its confidence is below min_confidence. */
const MAX_EXTRA_JUDGMENTS = 4;
const MAX_JUDGMENTS = 10;
/** How many recent tasks with the same label space feed a Dawid–Skene fit. */
const DAWID_SKENE_CONTEXT = 300;

type JudgmentWithAnnotator = Judgment & { annotator: Annotator };

/** Called with the task row locked, once it has its target number of judgments. */
export async function aggregateAndMaybeComplete(tx: Tx, task: Task, prices: PriceList): Promise<Task> {
  const type = taskTypeOf(task);
  const judgments = await tx.judgment.findMany({ where: { taskId: task.id }, include: { annotator: true }, orderBy: { id: "asc" } });
  const votes = judgments.map((j) => ({ annotatorId: j.annotatorId, answer: j.answer }));
  const aggregate = await type.aggregate(votes, task.labelSpec, aggregationContext(tx, task, judgments));
  const maxJudgments = Math.min(MAX_JUDGMENTS, task.replication + MAX_EXTRA_JUDGMENTS);
  if (task.minConfidence !== null && aggregate.confidence < task.minConfidence && task.targetJudgments < maxJudgments) {
    return tx.task.update({ where: { id: task.id }, data: { targetJudgments: { increment: 1 } } });
  }

  // Reliability: gold accuracy for gold tasks, agreement with the consensus for all.
  // Annotator rows are locked in id order: two tasks completing at once with
  // overlapping voters would otherwise deadlock (judgment order differs per task).
  const gold = task.goldAnswer;
  const agreeing = judgments.filter((j) => type.sameAnswer(j.answer, aggregate.answer)).length;
  const goldCorrect = gold ? judgments.filter((j) => type.sameAnswer(j.answer, gold)).length : null;
  const byAnnotator = [...judgments].sort((a, b) => (a.annotatorId < b.annotatorId ? -1 : a.annotatorId > b.annotatorId ? 1 : 0));
  for (const judgment of byAnnotator) {
    await tx.annotator.update({
      where: { id: judgment.annotatorId },
      data: {
        judgmentCount: { increment: 1 },
        agreedCount: { increment: type.sameAnswer(judgment.answer, aggregate.answer) ? 1 : 0 },
        ...(gold ? { goldTotal: { increment: 1 }, goldCorrect: { increment: type.sameAnswer(judgment.answer, gold) ? 1 : 0 } } : {}),
      },
    });
  }

  return completeTask(
    tx,
    task,
    {
      result: aggregate.answer,
      confidence: aggregate.confidence,
      aggregation: {
        method: aggregate.method,
        votes: judgments.map((j) => ({ annotator_id: j.annotatorId, answer: j.answer, reliability: roundTo(reliabilityOf(j.annotator).quality, 4) })),
      },
      agreeingJudgments: agreeing,
      goldCorrectJudgments: goldCorrect,
    },
    prices,
  );
}

function aggregationContext(tx: Tx, task: Task, judgments: JudgmentWithAnnotator[]): AggregationContext {
  const voter = (annotatorId: string) => judgments.find((j) => j.annotatorId === annotatorId)?.annotator;
  return {
    quality: (annotatorId) => {
      const annotator = voter(annotatorId);
      return annotator ? reliabilityOf(annotator).quality : 0.75;
    },
    pastJudgments: (annotatorId) => voter(annotatorId)?.judgmentCount ?? 0,
    recentVotes: async () => {
      const recent = await tx.task.findMany({
        where: { customerId: task.customerId, environment: task.environment, type: task.type, status: "completed", labelSpec: { equals: task.labelSpec as Prisma.InputJsonValue } },
        orderBy: { id: "desc" },
        take: DAWID_SKENE_CONTEXT,
        select: { judgments: { select: { annotatorId: true, answer: true } } },
      });
      return recent.map((t) => t.judgments);
    },
  };
}
