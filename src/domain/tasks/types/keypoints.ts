// keypoints: named points on each object of an image (a pose: nose, eyes,
// wrists…), one skeleton per object, a point left out where it is not
// visible. Aggregated by clustering the annotators' skeletons by object
// keypoint similarity (OKS, as COCO scores keypoint detection).
import { z } from "zod";
import { labelList, question, type TaskTypeDefinition } from "./definition.js";
import { aggregateInstances, sameInstances, type InstanceRule } from "./instance-clustering.js";
import { roundTo, type Aggregate } from "./voting.js";

const spec = z
  .object({
    question,
    keypoints: labelList("keypoints", 1),
    /**
     * COCO's per-keypoint falloff constants: how far (relative to the object's
     * size) a placement may be off and still agree; 0.05 each by default.
     */
    sigmas: z.array(z.number().positive().max(1)).optional(),
    /** Pairs of keypoint names drawn joined on the page (and written to COCO). */
    skeleton: z.array(z.tuple([z.string(), z.string()])).max(100).optional(),
    /** What the skeletons are of, COCO's category name ("person"); "object" when not given. */
    category: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .refine((s) => !s.sigmas || s.sigmas.length === s.keypoints.length, { message: "needs one sigma per keypoint", path: ["sigmas"] })
  .refine((s) => !s.skeleton || s.skeleton.flat().every((name) => s.keypoints.includes(name)), { message: "names a keypoint the spec does not have", path: ["skeleton"] });
export type KeypointSpec = z.output<typeof spec>;

export type Placement = { x: number; y: number };
/** One object's skeleton: each named keypoint that is visible, where it is. */
export type Skeleton = { keypoints: Record<string, Placement> };
export type Keypoints = { instances: Skeleton[] };

const DEFAULT_SIGMA = 0.05;
const MAX_INSTANCES = 50;
/** Two skeletons with at least this OKS are the same object. */
export const OKS_THRESHOLD = 0.5;
/** The smallest object scale (px²) OKS divides by, so a skeleton of one or two points is not judged to the pixel. */
const MIN_AREA = 32 * 32;

/**
 * Object keypoint similarity of two skeletons, symmetric: over every keypoint
 * either marks, exp(−d² / (2·s²·k²)) where both mark it and 0 where only one
 * does; s² is the area of the box around both skeletons' points, k = 2σ.
 */
export function oks(a: Skeleton, b: Skeleton, sigmaOf: (name: string) => number): number {
  const names = new Set([...Object.keys(a.keypoints), ...Object.keys(b.keypoints)]);
  if (names.size === 0) return 1;
  const all = [...Object.values(a.keypoints), ...Object.values(b.keypoints)];
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const area = Math.max(MIN_AREA, (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys)));
  let sum = 0;
  for (const name of names) {
    const [p, q] = [a.keypoints[name], b.keypoints[name]];
    if (!p || !q) continue;
    const k = 2 * sigmaOf(name);
    sum += Math.exp(-((p.x - q.x) ** 2 + (p.y - q.y) ** 2) / (2 * area * k * k));
  }
  return sum / names.size;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** A keypoint is in the consensus where most of the cluster marked it, at the median of their placements. */
function consensusSkeleton(members: Skeleton[]): Skeleton {
  const names = new Set(members.flatMap((m) => Object.keys(m.keypoints)));
  const keypoints: Record<string, Placement> = {};
  for (const name of names) {
    const placed = members.map((m) => m.keypoints[name]).filter((p): p is Placement => p !== undefined);
    if (placed.length / members.length > 0.5) keypoints[name] = { x: roundTo(median(placed.map((p) => p.x)), 2), y: roundTo(median(placed.map((p) => p.y)), 2) };
  }
  return { keypoints };
}

function ruleFor(spec: KeypointSpec): InstanceRule<Skeleton> {
  const sigmaOf = (name: string) => spec.sigmas?.[spec.keypoints.indexOf(name)] ?? DEFAULT_SIGMA;
  return { similarity: (a, b) => oks(a, b, sigmaOf), consensus: consensusSkeleton, threshold: OKS_THRESHOLD };
}

export function aggregateKeypoints(judgments: Keypoints[], spec: KeypointSpec): Aggregate<Keypoints> {
  const { instances, confidence } = aggregateInstances(judgments.map((j) => j.instances), ruleFor(spec));
  return { answer: { instances }, confidence: roundTo(confidence, 6), method: "oks_clustering" };
}

const coordinate = z.number().finite().min(0);

export const keypoints: TaskTypeDefinition<"keypoints", KeypointSpec, Keypoints> = {
  name: "keypoints",
  data: "image",
  spec,
  answer: (spec) =>
    z
      .object({
        instances: z
          .array(
            z
              .object({
                keypoints: z
                  .partialRecord(z.enum(spec.keypoints as [string, ...string[]]), z.object({ x: coordinate, y: coordinate }).strict())
                  .refine((points) => Object.keys(points).length > 0, "needs at least 1 visible keypoint"),
              })
              .strict(),
          )
          .max(MAX_INSTANCES, `at most ${MAX_INSTANCES} instances`),
      })
      .strict() as z.ZodType<Keypoints>,
  aggregate: (votes, spec) => aggregateKeypoints(votes.map((vote) => vote.answer), spec),
  sameAnswer: (a, b) => sameInstances(a.instances, b.instances, { similarity: (x, y) => oks(x, y, () => DEFAULT_SIGMA), threshold: OKS_THRESHOLD }),
  // One or two people, each keypoint somewhere in a 200 × 300 px figure, a few of them hidden.
  simulatedTruth: (spec, _text, random) => ({
    instances: Array.from({ length: 1 + Math.floor(random() * 2) }, (_, i) => {
      const [left, top] = [40 + i * 320 + Math.round(random() * 60), 40 + Math.round(random() * 100)];
      const visible = spec.keypoints.filter((_, k) => k === 0 || random() < 0.85);
      return { keypoints: Object.fromEntries(visible.map((name) => [name, { x: left + Math.round(random() * 200), y: top + Math.round(random() * 300) }])) };
    }),
  }),
  // Careful annotators click within a few pixels; careless ones miss the last object.
  simulatedAnswer: (truth, _spec, correct, random) => {
    const jitter = (v: number) => Math.max(0, Math.round(v + (random() - 0.5) * 6));
    const drawn = truth.instances.map((s) => ({
      keypoints: Object.fromEntries(Object.entries(s.keypoints).map(([name, p]) => [name, { x: jitter(p.x), y: jitter(p.y) }])),
    }));
    return { instances: correct ? drawn : drawn.slice(0, -1) };
  },
};
