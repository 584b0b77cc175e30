// Single-choice classification, of an image or of a text: one label from the
// spec's options, aggregated by Dawid–Skene once the voters have enough history
// with this label space, by the skill-weighted vote before that.
import { z } from "zod";
import { labelList, pick, question, type AggregationContext, type TaskTypeDefinition, type Vote } from "./definition.js";
import { argmax, dawidSkene, roundTo, weightedVote, type Aggregate, type CategoricalVote } from "./voting.js";

const spec = z.object({ question, options: labelList("options", 2) }).strict();
export type ClassificationSpec = z.infer<typeof spec>;
export type Classification = { label: string };

export function classificationType<Name extends string>(name: Name, data: "image" | "text"): TaskTypeDefinition<Name, ClassificationSpec, Classification> {
  return {
    name,
    data,
    spec,
    answer: (spec) => z.object({ label: z.enum(spec.options as [string, ...string[]]) }).strict(),
    aggregate: aggregateClassification,
    aggregateMany: aggregateClassifications,
    sameAnswer: (a, b) => a.label === b.label,
    simulatedTruth: (spec, _text, random) => ({ label: pick(spec.options, random) }),
    simulatedAnswer: (truth, spec, correct, random) => {
      if (correct) return truth;
      return { label: pick(spec.options.filter((option) => option !== truth.label), random) };
    },
  };
}

/**
 * Dawid–Skene over this customer's recent tasks with the same type and
 * options, when every voter of this task has about |L|² labels there;
 * otherwise the skill-weighted vote.
 */
async function aggregateClassification(
  votes: Vote<Classification>[],
  spec: ClassificationSpec,
  context: AggregationContext,
): Promise<Aggregate<Classification>> {
  const [aggregate] = await aggregateClassifications([votes], spec, context);
  return aggregate;
}

/**
 * aggregateClassification for several tasks of one label space: one
 * Dawid–Skene fit over the recent tasks and all of these serves each of them
 * (a fit per task cost ~10 ms with 300 tasks of context).
 */
async function aggregateClassifications(
  items: Vote<Classification>[][],
  spec: ClassificationSpec,
  context: AggregationContext,
): Promise<Aggregate<Classification>[]> {
  const index = new Map(spec.options.map((option, i) => [option, i]));
  const categorical = (list: Vote[]): CategoricalVote[] =>
    list
      .map((vote) => ({ worker: vote.annotatorId, label: index.get((vote.answer as Classification).label)! }))
      .filter((vote) => vote.label !== undefined);
  const ownItems = items.map(categorical);
  const enoughLabels = spec.options.length ** 2;
  const chosen = (posterior: number[], method: "weighted_vote" | "dawid_skene"): Aggregate<Classification> => {
    const best = argmax(posterior);
    return { answer: { label: spec.options[best] }, confidence: roundTo(posterior[best], 6), method };
  };
  const weighted = (votes: CategoricalVote[]) => chosen(weightedVote(votes, spec.options.length, (worker) => context.quality(worker)).posterior, "weighted_vote");
  // A voter's labels in any context are at most all their counted judgments plus this one.
  const mayFit = items.map((votes) => votes.every((vote) => context.pastJudgments(vote.annotatorId) + 1 >= enoughLabels));
  if (!mayFit.some(Boolean)) return ownItems.map(weighted);

  const recent = (await context.recentVotes()).map(categorical);
  const all = [...recent, ...ownItems];
  const labelsPerWorker = new Map<string, number>();
  for (const vote of all.flat()) labelsPerWorker.set(vote.worker, (labelsPerWorker.get(vote.worker) ?? 0) + 1);
  const enoughHistory = (votes: CategoricalVote[]) => votes.every((vote) => (labelsPerWorker.get(vote.worker) ?? 0) >= enoughLabels);
  const fitted = ownItems.map((votes, i) => mayFit[i] && enoughHistory(votes) && all.length > 1);
  if (!fitted.some(Boolean)) return ownItems.map(weighted);
  const fit = dawidSkene(all, spec.options.length);
  return ownItems.map((votes, i) => (fitted[i] ? chosen(fit.posterior[recent.length + i], "dawid_skene") : weighted(votes)));
}
