// text_response: a free-text answer (a transcription, a written reply) to a
// text or a file by URL. Aggregated by agreement: the answer closest to all
// the others (the medoid by quality-weighted normalized edit distance, after
// folding case, spacing and punctuation), with the weighted share of answers
// within AGREEMENT_DISTANCE of it as confidence. The result is that answer,
// as one annotator wrote it; every answer stays in the aggregation's votes.
import { distance } from "fastest-levenshtein";
import { z } from "zod";
import { pick, question, type AggregationContext, type TaskTypeDefinition, type Vote } from "./definition.js";
import { roundTo, type Aggregate } from "./voting.js";

const spec = z
  .object({ question, max_length: z.number().int().min(1).max(10_000).optional(), min_length: z.number().int().min(1).max(10_000).optional() })
  .strict()
  .refine((value) => lengthsOf(value).min <= lengthsOf(value).max, { message: "must be at most max_length", path: ["min_length"] });
export type TextResponseSpec = z.output<typeof spec>;

/** The allowed answer lengths (a stored label_spec holds what the customer sent, without defaults). */
function lengthsOf(spec: { max_length?: number; min_length?: number }) {
  return { min: spec.min_length ?? 1, max: spec.max_length ?? 2_000 };
}
export type TextResponse = { text: string };

/** Two answers this close (normalized edit distance) say the same. */
export const AGREEMENT_DISTANCE = 0.1;

/** What the comparison ignores: case, runs of whitespace, punctuation. */
export function normalizedText(text: string): string {
  return text.toLowerCase().replace(/[\p{P}\p{S}]/gu, "").replace(/\s+/g, " ").trim();
}

/** Edit distance over the longer length, 0 (same) to 1 (nothing shared), on normalized texts. */
export function normalizedDistance(a: string, b: string): number {
  const x = normalizedText(a);
  const y = normalizedText(b);
  const longest = Math.max(x.length, y.length);
  return longest === 0 ? 0 : distance(x, y) / longest;
}

export function aggregateTextResponses(votes: Vote<TextResponse>[], quality: (annotatorId: string) => number): Aggregate<TextResponse> {
  const weights = votes.map((vote) => quality(vote.annotatorId));
  const distances = votes.map((a) => votes.map((b) => normalizedDistance(a.answer.text, b.answer.text)));
  let best = 0;
  let bestCost = Infinity;
  votes.forEach((_, i) => {
    const cost = distances[i].reduce((sum, d, j) => sum + weights[j] * d, 0);
    if (cost < bestCost - 1e-12) [best, bestCost] = [i, cost];
  });
  const total = weights.reduce((sum, w) => sum + w, 0);
  const agreeing = distances[best].reduce((sum, d, j) => sum + (d <= AGREEMENT_DISTANCE ? weights[j] : 0), 0);
  return { answer: { text: votes[best].answer.text }, confidence: roundTo(total ? agreeing / total : 0, 6), method: "edit_distance_medoid" };
}

const WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "invoice", "total", "paid", "due", "march", "order", "number", "shipped"];

export const textResponse: TaskTypeDefinition<"text_response", TextResponseSpec, TextResponse> = {
  name: "text_response",
  data: "text",
  spec,
  answer: (spec) =>
    z
      .object({
        text: z
          .string()
          .trim()
          .min(lengthsOf(spec).min, `must be at least ${lengthsOf(spec).min} characters`)
          .max(lengthsOf(spec).max, `must be at most ${lengthsOf(spec).max} characters`),
      })
      .strict(),
  aggregate: (votes, _spec, context: AggregationContext) => aggregateTextResponses(votes, (id) => context.quality(id)),
  sameAnswer: (a, b) => normalizedDistance(a.text, b.text) <= AGREEMENT_DISTANCE,
  simulatedTruth: (spec, _text, random) => {
    const words = Array.from({ length: 6 + Math.floor(random() * 6) }, () => pick(WORDS, random));
    return { text: words.join(" ").slice(0, lengthsOf(spec).max) };
  },
  // Careful annotators differ in case and punctuation; careless ones get words wrong.
  simulatedAnswer: (truth, _spec, correct, random) => {
    const words = truth.text.split(" ");
    if (correct) return { text: random() < 0.5 ? words.join(" ") : `${words[0][0].toUpperCase()}${words.join(" ").slice(1)}.` };
    // Mistakes fall on different words for different annotators: at least two of them replaced, each other one a third of the time.
    const other = (word: string) => pick(WORDS.filter((w) => w !== word), random);
    const forced = new Set([Math.floor(random() * words.length), Math.floor(random() * words.length)]);
    if (forced.size < 2) forced.add((Math.min(...forced) + 1) % words.length);
    return { text: words.map((word, i) => (forced.has(i) || random() < 0.33 ? other(word) : word)).join(" ") };
  },
};
