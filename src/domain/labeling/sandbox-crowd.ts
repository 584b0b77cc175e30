// The sandbox's simulated crowd: deterministic annotators of configurable
// accuracy whose answers honour each task's label_spec (each task type knows
// how to simulate itself). Their judgments go through the real engine
// (claims, judgments, aggregation, events).
import type { Task } from "../../generated/prisma/client.js";
import { seededRandom, seedFrom } from "../shared/index.js";
import { taskTypeOf } from "../tasks/index.js";

export interface SimulatedAnnotator {
  name: string;
  accuracy: number;
  /** Seconds from claim to answer: recorded as such, so a project's fast_answers rule sees a fast clicker. */
  seconds: number;
}

/**
 * The crowd from configured accuracies (SANDBOX_CROWD). At least seven
 * members, so a sandbox task's 3 judgments plus up to 4 extra
 * (min_confidence) can always be had.
 */
export function sandboxCrowd(members: (number | { accuracy: number; seconds?: number })[]): SimulatedAnnotator[] {
  return members.map((member, i) => {
    const { accuracy, seconds = DEFAULT_ANSWER_SECONDS } = typeof member === "number" ? { accuracy: member } : member;
    return { name: `sandbox-ann-${i + 1}`, accuracy, seconds };
  });
}

/** Seconds per answer of a simulated annotator unless SANDBOX_CROWD says ("0.9@0.5"). */
const DEFAULT_ANSWER_SECONDS = 10;

type SimTask = Pick<Task, "id" | "type" | "labelSpec" | "data" | "goldAnswer">;

/** The answer the crowd converges on: the gold answer when given, else one derived from the seed. */
export function sandboxTruth(seed: number, task: SimTask): unknown {
  if (task.goldAnswer) return task.goldAnswer;
  return taskTypeOf(task).simulatedTruth(task.labelSpec, task.data, seededRandom(seedFrom(seed, task.id, "truth")));
}

/** One simulated annotator's answer: the truth with probability `accuracy`, else a plausible mistake. */
export function simulatedAnswer(seed: number, task: SimTask, annotator: SimulatedAnnotator): unknown {
  const truth = sandboxTruth(seed, task);
  const random = seededRandom(seedFrom(seed, task.id, annotator.name));
  const correct = random() < annotator.accuracy;
  return taskTypeOf(task).simulatedAnswer(truth, task.labelSpec, correct, random);
}
