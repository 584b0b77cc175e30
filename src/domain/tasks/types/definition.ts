// What a task type is: one object with all of its behaviour. The submission,
// the labeling engine and the sandbox crowd ask it; none of them switch on types.
import { z } from "zod";
import type { Aggregate } from "./voting.js";

/** One annotator's answer to a task. */
export interface Vote<A = unknown> {
  annotatorId: string;
  answer: A;
}

/** What an aggregation may know beyond the task's own votes. */
export interface AggregationContext {
  /** Smoothed quality of a voter of this task (from gold history), 0..1. */
  quality(annotatorId: string): number;
  /** How many judgments a voter of this task had counted before this task. */
  pastJudgments(annotatorId: string): number;
  /** The votes on this customer's recent completed tasks with the same type and label_spec, newest first. */
  recentVotes(): Promise<Vote[][]>;
}

export interface TaskTypeDefinition<Name extends string = string, Spec = any, A = any> {
  name: Name;
  /**
   * What it labels: an image by URL, text given inline or by URL, or a JSON
   * object given inline (stored as its JSON text) in the shape of `dataSchema`.
   */
  data: "image" | "text" | "json";
  dataSchema?: z.ZodType;
  /** The schema of label_spec. */
  spec: z.ZodType<Spec>;
  /** The schema of one answer (a judgment, a gold answer, the aggregated result) for this spec. */
  answer(spec: Spec, text?: string | null): z.ZodType<A>;
  /** Several judgments → one answer with a confidence. */
  aggregate(votes: Vote<A>[], spec: Spec, context: AggregationContext): Aggregate<A> | Promise<Aggregate<A>>;
  /**
   * aggregate for several tasks of one label space at once (the sandbox
   * crowd's rounds), when one fit can serve them all; otherwise each is
   * aggregated alone (aggregateEach).
   */
  aggregateMany?(items: Vote<A>[][], spec: Spec, context: AggregationContext): Promise<Aggregate<A>[]>;
  /** Whether two answers agree (gold scoring, agreement with the consensus). */
  sameAnswer(a: A, b: A): boolean;
  /** The sandbox crowd: the answer it converges on, drawn from `random`. */
  simulatedTruth(spec: Spec, text: string | null, random: () => number): A;
  /** The sandbox crowd: one member's answer, the truth or a plausible mistake. */
  simulatedAnswer(truth: A, spec: Spec, correct: boolean, random: () => number): A;
}

/** A list of distinct, non-empty names (options, classes, entity types). */
export const labelList = (what: string, min: number) =>
  z
    .array(z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"))
    .min(min, `needs at least ${min} ${what}`)
    .max(50, `allows at most 50 ${what}`)
    .refine((items) => new Set(items).size === items.length, `${what} must be unique`);

export const question = z.string().trim().min(1, "must not be empty").max(1000, "must be at most 1000 characters");

export const pick = <T>(items: T[], random: () => number): T => items[Math.floor(random() * items.length)];

/** Aggregates several tasks of one label space: together when the type can, else one by one. */
export function aggregateEach<A>(type: TaskTypeDefinition<string, unknown, A>, items: Vote<A>[][], spec: unknown, context: AggregationContext): Promise<Aggregate<A>[]> {
  if (type.aggregateMany) return type.aggregateMany(items, spec, context);
  return Promise.all(items.map((votes) => type.aggregate(votes, spec, context)));
}
