// polygon: outlines of the spec's classes on an image (segmentation), each a
// ring of vertices in image pixels; aggregated by clustering all annotators'
// polygons by mask IoU (the overlap of the areas they enclose).
import { createRequire } from "node:module";
import { z } from "zod";
import { labelList, pick, question, type TaskTypeDefinition } from "./definition.js";
import { aggregateInstances, sameInstances, type InstanceRule } from "./instance-clustering.js";
import { roundTo, type Aggregate } from "./voting.js";

// polygon-clipping (CommonJS) computes intersections and unions of polygons
// exactly, self-intersecting outlines included, which a pixel mask would only approximate.
const clipping = createRequire(import.meta.url)("polygon-clipping") as typeof import("polygon-clipping");

const spec = z.object({ question, classes: labelList("classes", 1) }).strict();
export type PolygonSpec = z.infer<typeof spec>;

export type Point = [number, number];
export interface Polygon {
  label: string;
  points: Point[];
}
export type Polygons = { polygons: Polygon[] };

const MAX_POLYGONS = 100;
const MAX_POINTS = 500;
/** Two outlines of one label whose areas overlap at least this much (IoU) are the same object. */
export const MASK_IOU_THRESHOLD = 0.5;

type Rings = import("polygon-clipping").MultiPolygon;
const ringArea = (ring: Point[]) => Math.abs(ring.reduce((sum, [x, y], i) => {
  const [nx, ny] = ring[(i + 1) % ring.length];
  return sum + x * ny - nx * y;
}, 0)) / 2;
const areaOf = (shape: Rings) => shape.reduce((sum, [outer, ...holes]) => sum + ringArea(outer) - holes.reduce((h, ring) => h + ringArea(ring), 0), 0);

/** The area an outline encloses (a self-intersecting one: the area of its parts). */
export const outlineArea = (points: Point[]) => areaOf(clipping.union([points]));

/** Intersection over union of the areas two outlines enclose. */
export function maskIou(a: Point[], b: Point[]): number {
  const union = areaOf(clipping.union([a], [b]));
  return union > 0 ? areaOf(clipping.intersection([a], [b])) / union : 0;
}

/**
 * A cluster's consensus outline: its medoid, the member with the highest
 * mean IoU with the others (a real outline someone drew, never a blend of
 * vertex lists of different lengths).
 */
function medoidPolygon(members: Polygon[], label: string): Polygon {
  let best = members[0];
  let bestScore = -1;
  for (const candidate of members) {
    const score = members.reduce((sum, other) => sum + (other === candidate ? 1 : maskIou(candidate.points, other.points)), 0);
    if (score > bestScore) [best, bestScore] = [candidate, score];
  }
  return { label, points: best.points };
}

const POLYGON_RULE: InstanceRule<Polygon> = { similarity: (a, b) => maskIou(a.points, b.points), consensus: medoidPolygon, threshold: MASK_IOU_THRESHOLD };

export function aggregatePolygons(judgments: Polygons[]): Aggregate<Polygons> {
  const { instances, confidence } = aggregateInstances(judgments.map((j) => j.polygons), POLYGON_RULE);
  return { answer: { polygons: instances }, confidence: roundTo(confidence, 6), method: "mask_iou_clustering" };
}

const coordinate = z.number().finite().min(0);

export const polygon: TaskTypeDefinition<"polygon", PolygonSpec, Polygons> = {
  name: "polygon",
  data: "image",
  spec,
  answer: (spec) =>
    z
      .object({
        polygons: z
          .array(
            z
              .object({
                label: z.enum(spec.classes as [string, ...string[]]),
                points: z
                  .array(z.tuple([coordinate, coordinate]))
                  .min(3, "needs at least 3 points")
                  .max(MAX_POINTS, `allows at most ${MAX_POINTS} points`)
                  .refine((points) => ringArea(points) > 0, "must enclose an area (the points are all on one line)"),
              })
              .strict(),
          )
          .max(MAX_POLYGONS, `at most ${MAX_POLYGONS} polygons`),
      })
      .strict(),
  aggregate: (votes) => aggregatePolygons(votes.map((vote) => vote.answer)),
  sameAnswer: (a, b) => sameInstances(a.polygons, b.polygons, POLYGON_RULE),
  // One or two blobs: 5–8 vertices around a centre at varying radii.
  simulatedTruth: (spec, _text, random) => ({
    polygons: Array.from({ length: 1 + Math.floor(random() * 2) }, (_, i) => {
      const [cx, cy] = [150 + i * 350 + Math.round(random() * 100), 150 + Math.round(random() * 200)];
      const corners = 5 + Math.floor(random() * 4);
      const points = Array.from({ length: corners }, (_, k): Point => {
        const angle = (2 * Math.PI * k) / corners;
        const radius = 60 + random() * 60;
        return [Math.round(cx + radius * Math.cos(angle)), Math.round(cy + radius * Math.sin(angle))];
      });
      return { label: pick(spec.classes, random), points };
    }),
  }),
  // Careful annotators place each vertex a few pixels off; careless ones miss the last object.
  simulatedAnswer: (truth, _spec, correct, random) => {
    const jitter = (v: number) => Math.max(0, Math.round(v + (random() - 0.5) * 8));
    const drawn = truth.polygons.map((p) => ({ label: p.label, points: p.points.map(([x, y]): Point => [jitter(x), jitter(y)]) }));
    return { polygons: correct ? drawn : drawn.slice(0, -1) };
  },
};
