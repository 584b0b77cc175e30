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
  const index = new Map(spec.options.map((option, i) => [option, i]));
  const categorical = (list: Vote[]): CategoricalVote[] =>
    list
      .map((vote) => ({ worker: vote.annotatorId, label: index.get((vote.answer as Classification).label)! }))
      .filter((vote) => vote.label !== undefined);
  const ownVotes = categorical(votes);
  const enoughLabels = spec.options.length ** 2;
  const weighted = (): Aggregate<Classification> => {
    const { posterior } = weightedVote(ownVotes, spec.options.length, (worker) => context.quality(worker));
    const chosen = argmax(posterior);
    return { answer: { label: spec.options[chosen] }, confidence: roundTo(posterior[chosen], 6), method: "weighted_vote" };
  };
  // A voter's labels in any context are at most all their counted judgments plus this one.
  if (!votes.every((vote) => context.pastJudgments(vote.annotatorId) + 1 >= enoughLabels)) return weighted();

  const items = [...(await context.recentVotes()).map(categorical), ownVotes];
  const labelsPerWorker = new Map<string, number>();
  for (const vote of items.flat()) labelsPerWorker.set(vote.worker, (labelsPerWorker.get(vote.worker) ?? 0) + 1);
  const enoughHistory = ownVotes.every((vote) => (labelsPerWorker.get(vote.worker) ?? 0) >= enoughLabels);
  if (!enoughHistory || items.length <= 1) return weighted();

  const fit = dawidSkene(items, spec.options.length);
  const posterior = fit.posterior[fit.posterior.length - 1];
  const chosen = argmax(posterior);
  return { answer: { label: spec.options[chosen] }, confidence: roundTo(posterior[chosen], 6), method: "dawid_skene" };
}
