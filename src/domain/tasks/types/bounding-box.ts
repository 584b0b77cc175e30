// bounding_box: boxes of the spec's classes on an image; aggregated by
// clustering all annotators' boxes by overlap (IoU).
import { z } from "zod";
import { labelList, pick, question, type TaskTypeDefinition } from "./definition.js";
import { aggregateInstances, sameInstances } from "./instance-clustering.js";
import { mean, roundTo, type Aggregate } from "./voting.js";

const spec = z.object({ question, classes: labelList("classes", 1) }).strict();
export type BoxSpec = z.infer<typeof spec>;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  label: string;
}
export type Boxes = { boxes: Box[] };

const coordinate = z.number().finite().min(0);
const MAX_BOXES = 100;
/** Two boxes of one label overlapping at least this much are the same object. */
export const IOU_THRESHOLD = 0.5;

export const boundingBox: TaskTypeDefinition<"bounding_box", BoxSpec, Boxes> = {
  name: "bounding_box",
  data: "image",
  spec,
  answer: (spec) =>
    z
      .object({
        boxes: z
          .array(
            z
              .object({
                x: coordinate,
                y: coordinate,
                w: z.number().finite().positive(),
                h: z.number().finite().positive(),
                label: z.enum(spec.classes as [string, ...string[]]),
              })
              .strict(),
          )
          .max(MAX_BOXES, `at most ${MAX_BOXES} boxes`),
      })
      .strict(),
  aggregate: (votes) => aggregateBoxes(votes.map((vote) => vote.answer)),
  sameAnswer: (a, b) => sameInstances(a.boxes, b.boxes, BOX_RULE),
  simulatedTruth: (spec, _text, random) => {
    const boxes: Box[] = [];
    const count = 1 + Math.floor(random() * 2);
    for (let i = 0; i < count; i++) {
      boxes.push({
        x: 50 + i * 450 + Math.round(random() * 100),
        y: 50 + Math.round(random() * 300),
        w: 150 + Math.round(random() * 200),
        h: 100 + Math.round(random() * 150),
        label: pick(spec.classes, random),
      });
    }
    return { boxes };
  },
  simulatedAnswer: (truth, _spec, correct, random) => {
    // Correct annotators still draw a little differently; wrong ones miss the last box.
    const jitter = (v: number) => Math.max(0, Math.round(v + (random() - 0.5) * 8));
    const drawn = truth.boxes.map((b) => ({ ...b, x: jitter(b.x), y: jitter(b.y), w: Math.max(1, jitter(b.w)), h: Math.max(1, jitter(b.h)) }));
    return { boxes: correct ? drawn : drawn.slice(0, -1) };
  },
};

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.w, b.x + b.w);
  const y2 = Math.min(a.y + a.h, b.y + b.h);
  const intersection = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.w * a.h + b.w * b.h - intersection;
  return union > 0 ? intersection / union : 0;
}

const BOX_RULE = { similarity: iou, consensus: meanBox, threshold: IOU_THRESHOLD };

/** Boxes clustered by IoU (aggregateInstances); a consensus box is the mean of its cluster's boxes. */
export function aggregateBoxes(judgments: Boxes[]): Aggregate<Boxes> {
  const { instances, confidence } = aggregateInstances(judgments.map((j) => j.boxes), BOX_RULE);
  return { answer: { boxes: instances }, confidence: roundTo(confidence, 6), method: "iou_clustering" };
}

function meanBox(boxes: Box[], label: string): Box {
  const avg = (pick: (b: Box) => number) => Math.round(mean(boxes.map(pick)) * 100) / 100;
  return { x: avg((b) => b.x), y: avg((b) => b.y), w: avg((b) => b.w), h: avg((b) => b.h), label };
}
