// The sandbox's simulated crowd: deterministic annotators of configurable
// accuracy whose answers honour each task's label_spec. Their judgments go
// through the real engine (claims, judgments, aggregation, events).
import type { Task } from "../generated/prisma/client.js";
import { seededRandom, seedFrom } from "./random.js";
import type { Answer, Box, BoxSpec, ClassificationSpec, Entity, EntitySpec, MultiLabelSpec, TaskType } from "./task-types.js";

export interface SimulatedAnnotator {
  name: string;
  accuracy: number;
}

/**
 * The crowd from configured accuracies (SANDBOX_CROWD). At least seven
 * members, so a sandbox task's 3 judgments plus up to 4 extra
 * (min_confidence) can always be had.
 */
export function sandboxCrowd(accuracies: number[]): SimulatedAnnotator[] {
  return accuracies.map((accuracy, i) => ({ name: `sandbox-ann-${i + 1}`, accuracy }));
}

type SimTask = Pick<Task, "id" | "type" | "labelSpec" | "data" | "goldAnswer">;

/** The answer the crowd converges on: the gold answer when given, else one derived from the seed. */
export function sandboxTruth(seed: number, task: SimTask): Answer {
  if (task.goldAnswer) return task.goldAnswer as Answer;
  const random = seededRandom(seedFrom(seed, task.id, "truth"));
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  switch (task.type as TaskType) {
    case "image_classification":
    case "text_classification":
      return { label: pick((task.labelSpec as ClassificationSpec).options) };
    case "multi_label_classification": {
      const spec = task.labelSpec as MultiLabelSpec;
      const min = spec.min ?? 0;
      const max = spec.max ?? spec.options.length;
      const count = min + Math.floor(random() * (max - min + 1));
      return { labels: shuffle(spec.options, random).slice(0, count) };
    }
    case "bounding_box": {
      const spec = task.labelSpec as BoxSpec;
      const boxes: Box[] = [];
      const count = 1 + Math.floor(random() * 2);
      for (let i = 0; i < count; i++) {
        boxes.push({ x: 50 + i * 450 + Math.round(random() * 100), y: 50 + Math.round(random() * 300), w: 150 + Math.round(random() * 200), h: 100 + Math.round(random() * 150), label: pick(spec.classes) });
      }
      return { boxes };
    }
    case "named_entity": {
      const spec = task.labelSpec as EntitySpec;
      const text = task.data ?? "";
      const entities: Entity[] = [];
      // Capitalised words are the entities; each gets a type from the spec.
      for (const match of text.matchAll(/\b[A-Z][a-z]+\b/g)) {
        entities.push({ start: match.index!, end: match.index! + match[0].length, label: pick(spec.entity_types) });
      }
      return { entities };
    }
  }
}

/** One simulated annotator's answer: the truth with probability `accuracy`, else a plausible mistake. */
export function simulatedAnswer(seed: number, task: SimTask, annotator: SimulatedAnnotator): Answer {
  const truth = sandboxTruth(seed, task);
  const random = seededRandom(seedFrom(seed, task.id, annotator.name));
  const correct = random() < annotator.accuracy;
  switch (task.type as TaskType) {
    case "image_classification":
    case "text_classification": {
      if (correct) return truth;
      const others = (task.labelSpec as ClassificationSpec).options.filter((o) => o !== (truth as { label: string }).label);
      return { label: others[Math.floor(random() * others.length)] };
    }
    case "multi_label_classification": {
      if (correct) return truth;
      const spec = task.labelSpec as MultiLabelSpec;
      const labels = new Set((truth as { labels: string[] }).labels);
      const flip = spec.options[Math.floor(random() * spec.options.length)];
      if (labels.has(flip) && labels.size > (spec.min ?? 0)) labels.delete(flip);
      else if (!labels.has(flip) && labels.size < (spec.max ?? spec.options.length)) labels.add(flip);
      return { labels: [...labels] };
    }
    case "bounding_box": {
      const boxes = (truth as { boxes: Box[] }).boxes;
      // Correct annotators still draw a little differently; wrong ones miss the last box.
      const jitter = (v: number) => Math.max(0, Math.round(v + (random() - 0.5) * 8));
      const drawn = boxes.map((b) => ({ ...b, x: jitter(b.x), y: jitter(b.y), w: Math.max(1, jitter(b.w)), h: Math.max(1, jitter(b.h)) }));
      return { boxes: correct ? drawn : drawn.slice(0, -1) };
    }
    case "named_entity": {
      const entities = (truth as { entities: Entity[] }).entities;
      return { entities: correct ? entities : entities.slice(1) };
    }
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
