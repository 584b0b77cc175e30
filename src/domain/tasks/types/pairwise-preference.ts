// pairwise_preference: a prompt and two responses to it (from two models, say);
// the annotator says which is better (or, where the spec allows, that they
// tie), optionally how much better and why. Aggregated per pair by the
// quality-weighted vote; over a batch, the pairs' results rank the responses
// (Bradley–Terry, bradleyTerry below).
import { z } from "zod";
import { seedFrom, seededRandom } from "../../shared/random.js";
import { labelList, question, type AggregationContext, type TaskTypeDefinition, type Vote } from "./definition.js";
import { argmax, roundTo, weightedVote, type Aggregate } from "./voting.js";

const spec = z
  .object({
    question,
    /** Whether "tie" is an answer. */
    allow_tie: z.boolean().optional(),
    /** Labels of how much better the chosen response is ("slightly", "much"): the answer's strength is 1..n. */
    strength_labels: labelList("strength labels", 2).optional(),
    /** Whether every answer must give a reason. */
    require_reason: z.boolean().optional(),
  })
  .strict();
export type PreferenceSpec = z.output<typeof spec>;

const text = z.string().trim().min(1, "must not be empty").max(50_000, "must be at most 50000 characters");
/** A task's data: the prompt and the two responses; a response's id (a model's name) is what a ranking ranks. */
const pairData = z
  .object({
    prompt: text,
    responses: z.tuple([z.object({ id: z.string().trim().min(1).max(200).optional(), text }).strict(), z.object({ id: z.string().trim().min(1).max(200).optional(), text }).strict()], {
      message: "must be exactly two responses",
    }),
  })
  .strict();
export type PreferencePair = z.output<typeof pairData>;

export type Choice = "a" | "b" | "tie";
export type Preference = { choice: Choice; strength?: number; reason?: string };

const choicesOf = (spec: PreferenceSpec): Choice[] => (spec.allow_tie ? ["a", "b", "tie"] : ["a", "b"]);

/**
 * The choice by the quality-weighted vote (its posterior is the confidence);
 * the strength, where the spec asks for one, is the lower median of those who
 * made that choice. Reasons stay in the judgments.
 */
export function aggregatePreferences(votes: Vote<Preference>[], spec: PreferenceSpec, quality: (annotatorId: string) => number): Aggregate<Preference> {
  const choices = choicesOf(spec);
  const { posterior } = weightedVote(
    votes.map((vote) => ({ worker: vote.annotatorId, label: choices.indexOf(vote.answer.choice) })),
    choices.length,
    quality,
  );
  const best = argmax(posterior);
  const choice = choices[best];
  const strengths = votes.filter((v) => v.answer.choice === choice && v.answer.strength !== undefined).map((v) => v.answer.strength!).sort((a, b) => a - b);
  const strength = choice !== "tie" && strengths.length ? strengths[Math.floor((strengths.length - 1) / 2)] : undefined;
  return { answer: { choice, ...(strength !== undefined ? { strength } : {}) }, confidence: roundTo(posterior[best], 6), method: "weighted_vote" };
}

/** One compared pair's outcome: the winner, or a tie. */
export interface Comparison {
  a: string;
  b: string;
  choice: Choice;
  /** How many times this outcome was seen (1 when not given). */
  count?: number;
}
export interface RankedItem {
  id: string;
  /** Log strength, centred on 0 over the ranked items: P(i beats j) = 1 / (1 + e^(score_j − score_i)). */
  score: number;
  rank: number;
  wins: number;
  losses: number;
  ties: number;
}

/**
 * Bradley–Terry strengths by Hunter's MM iteration (2004): p_i ← W_i / Σ_j
 * n_ij / (p_i + p_j), a tie counting half a win to each side. Every item also
 * plays one win and one loss against a virtual item of strength 1, so an item
 * that won (or lost) everything has a finite score and the fit always converges.
 */
export function bradleyTerry(comparisons: Comparison[], options: { maxIterations?: number; tolerance?: number } = {}): RankedItem[] {
  const ids = [...new Set(comparisons.flatMap((c) => [c.a, c.b]))].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const n = ids.length;
  const wins = new Array<number>(n).fill(1); // the virtual item's game
  const games = Array.from({ length: n }, () => new Map<number, number>());
  const tally = ids.map(() => ({ wins: 0, losses: 0, ties: 0 }));
  for (const { a, b, choice, count = 1 } of comparisons) {
    const [i, j] = [index.get(a)!, index.get(b)!];
    if (i === j) continue;
    games[i].set(j, (games[i].get(j) ?? 0) + count);
    games[j].set(i, (games[j].get(i) ?? 0) + count);
    if (choice === "tie") {
      wins[i] += 0.5 * count;
      wins[j] += 0.5 * count;
      tally[i].ties += count;
      tally[j].ties += count;
    } else {
      const [winner, loser] = choice === "a" ? [i, j] : [j, i];
      wins[winner] += count;
      tally[winner].wins += count;
      tally[loser].losses += count;
    }
  }
  let p = new Array<number>(n).fill(1);
  for (let iteration = 0; iteration < (options.maxIterations ?? 1000); iteration++) {
    const next = p.map((pi, i) => {
      let denominator = 2 / (pi + 1); // two games against the virtual item
      for (const [j, count] of games[i]) denominator += count / (pi + p[j]);
      return wins[i] / denominator;
    });
    const change = Math.max(...next.map((v, i) => Math.abs(Math.log(v) - Math.log(p[i]))));
    p = next;
    if (change < (options.tolerance ?? 1e-9)) break;
  }
  const logs = p.map(Math.log);
  const centre = logs.reduce((sum, v) => sum + v, 0) / Math.max(1, n);
  const items = ids.map((id, i) => ({ id, score: roundTo(logs[i] - centre, 6), rank: 0, ...tally[i] }));
  items.sort((x, y) => y.score - x.score || x.id.localeCompare(y.id));
  items.forEach((item, i) => (item.rank = i > 0 && item.score === items[i - 1].score ? items[i - 1].rank : i + 1));
  return items;
}

/** What a ranking calls a response: its id, or its text when it has none. */
export const responseKey = (response: PreferencePair["responses"][number]) => response.id ?? response.text;

/** The sandbox crowd's hidden quality of a response (0..3 from its key): the simulated truth prefers the better one. */
export const simulatedStrength = (key: string) => 3 * seededRandom(seedFrom("strength", key))();

export const pairwisePreference: TaskTypeDefinition<"pairwise_preference", PreferenceSpec, Preference> = {
  name: "pairwise_preference",
  data: "json",
  dataSchema: pairData,
  spec,
  answer: (spec) =>
    z
      .object({
        choice: z.enum(choicesOf(spec) as [Choice, ...Choice[]]),
        strength: spec.strength_labels ? z.number().int().min(1).max(spec.strength_labels.length).optional() : z.never({ message: "is not asked for by this label_spec" }).optional(),
        reason: spec.require_reason ? z.string().trim().min(1, "is required by this label_spec").max(2000) : z.string().trim().max(2000).optional(),
      })
      .strict()
      .refine((answer) => !spec.strength_labels || answer.choice === "tie" || answer.strength !== undefined, { message: "is required by this label_spec", path: ["strength"] }),
  aggregate: (votes, spec, context: AggregationContext) => aggregatePreferences(votes, spec, (id) => context.quality(id)),
  sameAnswer: (a, b) => a.choice === b.choice,
  // The better response wins with the Bradley–Terry probability of the two's hidden strengths.
  simulatedTruth: (spec, data, random) => {
    const pair = pairData.safeParse(JSON.parse(data ?? "null"));
    const [a, b] = pair.success ? pair.data.responses.map((r) => simulatedStrength(responseKey(r))) : [0, 0];
    if (spec.allow_tie && Math.abs(a - b) < 0.1) return { choice: "tie" };
    const choice: Choice = random() < 1 / (1 + Math.exp(b - a)) ? "a" : "b";
    return { choice, ...(spec.strength_labels ? { strength: Math.min(spec.strength_labels.length, 1 + Math.floor(Math.abs(a - b))) } : {}), ...(spec.require_reason ? { reason: "clearer" } : {}) };
  },
  simulatedAnswer: (truth, _spec, correct) => (correct || truth.choice === "tie" ? truth : { ...truth, choice: truth.choice === "a" ? "b" : "a" }),
};
