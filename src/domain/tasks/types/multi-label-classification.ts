// multi_label_classification: any number (min..max) of the spec's options for
// a text; aggregated option by option with skill-weighted votes.
import { z } from "zod";
import { labelList, question, type TaskTypeDefinition } from "./definition.js";
import { mean, type Aggregate } from "./voting.js";

const spec = z
  .object({
    question,
    options: labelList("options", 2),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((s) => s.min === undefined || s.max === undefined || s.min <= s.max, { message: "min must be ≤ max", path: ["min"] })
  .refine((s) => s.max === undefined || s.max <= s.options.length, { message: "max must be ≤ the number of options", path: ["max"] })
  .refine((s) => s.min === undefined || s.min <= s.options.length, { message: "min must be ≤ the number of options", path: ["min"] });
export type MultiLabelSpec = z.infer<typeof spec>;
export type Labels = { labels: string[] };

export const multiLabelClassification: TaskTypeDefinition<"multi_label_classification", MultiLabelSpec, Labels> = {
  name: "multi_label_classification",
  data: "text",
  spec,
  answer: (spec) =>
    z
      .object({
        labels: z
          .array(z.enum(spec.options as [string, ...string[]]))
          .min(spec.min ?? 0, `choose at least ${spec.min ?? 0}`)
          .max(spec.max ?? spec.options.length, `choose at most ${spec.max ?? spec.options.length}`)
          .refine((labels) => new Set(labels).size === labels.length, "labels must be unique"),
      })
      .strict(),
  aggregate: (votes, spec, context) =>
    aggregateMultiLabel(
      votes.map((vote) => ({ worker: vote.annotatorId, labels: vote.answer.labels })),
      spec.options,
      (worker) => context.quality(worker),
    ),
  sameAnswer: (a, b) => {
    const x = new Set(a.labels);
    return x.size === b.labels.length && b.labels.every((label) => x.has(label));
  },
  simulatedTruth: (spec, _text, random) => {
    const min = spec.min ?? 0;
    const max = spec.max ?? spec.options.length;
    const count = min + Math.floor(random() * (max - min + 1));
    return { labels: shuffle(spec.options, random).slice(0, count) };
  },
  simulatedAnswer: (truth, spec, correct, random) => {
    if (correct) return truth;
    // A mistake: one option flipped, within min..max.
    const labels = new Set(truth.labels);
    const flip = spec.options[Math.floor(random() * spec.options.length)];
    if (labels.has(flip) && labels.size > (spec.min ?? 0)) labels.delete(flip);
    else if (!labels.has(flip) && labels.size < (spec.max ?? spec.options.length)) labels.add(flip);
    return { labels: [...labels] };
  },
};

/** An option is in the result when voters holding more than half the weight chose it. */
export function aggregateMultiLabel(
  judgments: { worker: string; labels: string[] }[],
  options: string[],
  weight: (worker: string) => number,
): Aggregate<Labels> {
  const totalWeight = judgments.reduce((sum, j) => sum + weight(j.worker), 0) || 1;
  const agreements: number[] = [];
  const labels: string[] = [];
  for (const option of options) {
    const share = judgments.filter((j) => j.labels.includes(option)).reduce((sum, j) => sum + weight(j.worker), 0) / totalWeight;
    if (share > 0.5) labels.push(option);
    agreements.push(Math.max(share, 1 - share));
  }
  return { answer: { labels }, confidence: mean(agreements), method: "per_option_vote" };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
