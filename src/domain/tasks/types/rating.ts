// rating: one or more Likert or rubric criteria, each scored on the spec's
// integer scale (1–5 by default), for a text (a model's response, say).
// Aggregated per criterion as an ordinal value: the quality-weighted median,
// so {2, 3, 4} means 3 where a plurality vote would be split three ways, and
// one rater far off moves it by no more than one rank.
import { z } from "zod";
import { question, type AggregationContext, type TaskTypeDefinition, type Vote } from "./definition.js";
import { roundTo, type Aggregate } from "./voting.js";

const criterion = z
  .object({ name: z.string().trim().min(1, "must not be empty").max(100), description: z.string().max(1000).optional() })
  .strict();

const spec = z
  .object({
    question,
    criteria: z
      .array(criterion)
      .min(1, "needs at least 1 criterion")
      .max(10, "allows at most 10 criteria")
      .refine((items) => new Set(items.map((c) => c.name)).size === items.length, "criteria names must be unique"),
    scale: z
      .object({ min: z.number().int().min(0).max(10), max: z.number().int().min(1).max(10), labels: z.array(z.string().max(100)).optional() })
      .strict()
      .refine((scale) => scale.max > scale.min, { message: "max must be above min", path: ["max"] })
      .refine((scale) => !scale.labels || scale.labels.length === scale.max - scale.min + 1, { message: "needs one label per point of the scale", path: ["labels"] })
      .optional(),
  })
  .strict();
export type RatingSpec = z.output<typeof spec>;

const DEFAULT_SCALE = { min: 1, max: 5 };
/** The spec's scale: a stored label_spec holds what the customer sent, without the default. */
const scaleOf = (spec: RatingSpec) => spec.scale ?? DEFAULT_SCALE;
export type Ratings = { ratings: Record<string, number> };

/** The point where half the raters' weight is at or below it (the lower one of two that split it evenly). */
function weightedMedian(values: { value: number; weight: number }[]): number {
  const sorted = [...values].sort((a, b) => a.value - b.value);
  const half = sorted.reduce((sum, v) => sum + v.weight, 0) / 2;
  let below = 0;
  for (const { value, weight } of sorted) {
    below += weight;
    if (below >= half - 1e-12) return value;
  }
  return sorted[sorted.length - 1].value;
}

/** Each criterion's weighted median; confidence is the least agreed criterion's weighted share of raters at that point. */
export function aggregateRatings(votes: Vote<Ratings>[], spec: RatingSpec, quality: (annotatorId: string) => number): Aggregate<Ratings> {
  const ratings: Record<string, number> = {};
  let confidence = 1;
  const total = votes.reduce((sum, vote) => sum + quality(vote.annotatorId), 0);
  for (const { name } of spec.criteria) {
    const given = votes.map((vote) => ({ value: vote.answer.ratings[name], weight: quality(vote.annotatorId) }));
    const median = weightedMedian(given);
    ratings[name] = median;
    const agreeing = given.filter((g) => g.value === median).reduce((sum, g) => sum + g.weight, 0);
    confidence = Math.min(confidence, total ? agreeing / total : 0);
  }
  return { answer: { ratings }, confidence: roundTo(confidence, 6), method: "weighted_median" };
}

export const rating: TaskTypeDefinition<"rating", RatingSpec, Ratings> = {
  name: "rating",
  data: "text",
  spec,
  answer: (spec) =>
    z
      .object({
        ratings: z.object(
          Object.fromEntries(spec.criteria.map((c) => [c.name, z.number().int().min(scaleOf(spec).min).max(scaleOf(spec).max)])),
        ).strict(),
      })
      .strict(),
  aggregate: (votes, spec, context: AggregationContext) => aggregateRatings(votes, spec, (id) => context.quality(id)),
  sameAnswer: (a, b) => Object.keys(a.ratings).length === Object.keys(b.ratings).length && Object.entries(a.ratings).every(([name, value]) => b.ratings[name] === value),
  simulatedTruth: (spec, _text, random) => ({
    ratings: Object.fromEntries(spec.criteria.map((c) => [c.name, scaleOf(spec).min + Math.floor(random() * (scaleOf(spec).max - scaleOf(spec).min + 1))])),
  }),
  // A careless rater is off by one point (in a direction the scale allows) on each criterion.
  simulatedAnswer: (truth, spec, correct, random) => {
    if (correct) return truth;
    const off = (value: number) => {
      const down = value - 1 >= scaleOf(spec).min;
      const up = value + 1 <= scaleOf(spec).max;
      return down && (!up || random() < 0.5) ? value - 1 : value + 1;
    };
    return { ratings: Object.fromEntries(Object.entries(truth.ratings).map(([name, value]) => [name, off(value)])) };
  },
};
