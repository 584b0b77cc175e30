// Turning several judgments into one answer with a confidence. Pure functions:
// the labeling engine feeds them, tests check them on synthetic crowds.
import type { Box, Entity } from "./task-types.js";

export interface Aggregate<A> {
  answer: A;
  /** Posterior of the chosen label (categorical) or agreement (the other types), 0..1. */
  confidence: number;
  method: "dawid_skene" | "weighted_vote" | "per_option_vote" | "iou_clustering" | "span_vote";
}

// ---------- categorical: skill-weighted vote and Dawid–Skene ----------

export interface CategoricalVote {
  worker: string;
  label: number;
}

/**
 * A worker's accuracy from gold history, smoothed towards a prior of 0.75
 * (weight 2): new workers count, but less than proven ones.
 */
export function workerQuality(correctGold: number, totalGold: number): number {
  const q = (1.5 + correctGold) / (2 + totalGold);
  return Math.min(0.99, Math.max(0.01, q));
}

/** P(x | votes) ∝ Π (q if vote = x else (1−q)/(K−1)), with a uniform prior. */
export function weightedVote(votes: CategoricalVote[], classes: number, quality: (worker: string) => number): { posterior: number[] } {
  const logp = new Array<number>(classes).fill(0);
  for (const vote of votes) {
    const q = quality(vote.worker);
    for (let k = 0; k < classes; k++) logp[k] += Math.log(k === vote.label ? q : (1 - q) / Math.max(1, classes - 1));
  }
  return { posterior: normalizeLog(logp) };
}

export interface DawidSkeneResult {
  /** posterior[i][k]: probability that item i has class k. */
  posterior: number[][];
  /** confusion[worker][true][given]. */
  confusion: Map<string, number[][]>;
  prior: number[];
  iterations: number;
}

/**
 * Dawid & Skene (1979): EM over per-worker confusion matrices, warm-started
 * by (soft) majority vote. `smoothing` is a symmetric Dirichlet pseudo-count
 * that keeps sparse workers' matrices from collapsing to 0/1.
 */
export function dawidSkene(items: CategoricalVote[][], classes: number, options: { maxIterations?: number; smoothing?: number } = {}): DawidSkeneResult {
  const maxIterations = options.maxIterations ?? 50;
  const smoothing = options.smoothing ?? 0.5;
  const workers = [...new Set(items.flat().map((v) => v.worker))];

  let posterior = items.map((votes) => {
    const counts = new Array<number>(classes).fill(0.01);
    for (const vote of votes) counts[vote.label] += 1;
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => c / total);
  });

  let confusion = new Map<string, number[][]>();
  let prior = new Array<number>(classes).fill(1 / classes);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    // M-step: class prior and each worker's confusion matrix from the current posteriors.
    prior = new Array<number>(classes).fill(1);
    for (const p of posterior) for (let k = 0; k < classes; k++) prior[k] += p[k];
    const priorTotal = prior.reduce((a, b) => a + b, 0);
    prior = prior.map((value) => value / priorTotal);

    confusion = new Map(workers.map((w) => [w, Array.from({ length: classes }, () => new Array<number>(classes).fill(smoothing))]));
    items.forEach((votes, i) => {
      for (const vote of votes) {
        const matrix = confusion.get(vote.worker)!;
        for (let k = 0; k < classes; k++) matrix[k][vote.label] += posterior[i][k];
      }
    });
    for (const matrix of confusion.values()) {
      for (const row of matrix) {
        const total = row.reduce((a, b) => a + b, 0);
        for (let l = 0; l < classes; l++) row[l] /= total;
      }
    }

    // E-step: posteriors from prior and confusion matrices.
    let change = 0;
    const next = items.map((votes, i) => {
      const logp = prior.map((p) => Math.log(p));
      for (const vote of votes) {
        const matrix = confusion.get(vote.worker)!;
        for (let k = 0; k < classes; k++) logp[k] += Math.log(matrix[k][vote.label]);
      }
      const p = normalizeLog(logp);
      for (let k = 0; k < classes; k++) change = Math.max(change, Math.abs(p[k] - posterior[i][k]));
      return p;
    });
    posterior = next;
    if (change < 1e-6) break;
  }
  return { posterior, confusion, prior, iterations };
}

/** The accuracy a worker shows in a Dawid–Skene fit: Σ prior[k] · confusion[k][k]. */
export function dawidSkeneAccuracy(result: DawidSkeneResult, worker: string): number | undefined {
  const matrix = result.confusion.get(worker);
  if (!matrix) return undefined;
  return result.prior.reduce((sum, p, k) => sum + p * matrix[k][k], 0);
}

export function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function normalizeLog(logp: number[]): number[] {
  const max = Math.max(...logp);
  const exp = logp.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}

// ---------- multi-label: per-option weighted vote ----------

export function aggregateMultiLabel(
  judgments: { worker: string; labels: string[] }[],
  options: string[],
  weight: (worker: string) => number,
): Aggregate<{ labels: string[] }> {
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

// ---------- bounding boxes: IoU clustering ----------

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.w, b.x + b.w);
  const y2 = Math.min(a.y + a.h, b.y + b.h);
  const intersection = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.w * a.h + b.w * b.h - intersection;
  return union > 0 ? intersection / union : 0;
}

export const IOU_THRESHOLD = 0.5;

/**
 * Greedy clustering of all annotators' boxes: a box joins the best-overlapping
 * cluster of its label (IoU ≥ 0.5) that has no box from the same judgment yet.
 * Clusters backed by more than half the judgments become consensus boxes (the
 * mean of their members). Confidence: support × mean IoU to the consensus,
 * averaged over clusters; penalised by boxes that found no majority.
 */
export function aggregateBoxes(judgments: { boxes: Box[] }[]): Aggregate<{ boxes: Box[] }> {
  const clusters: { label: string; members: { judgment: number; box: Box }[] }[] = [];
  judgments.forEach((judgment, index) => {
    for (const box of judgment.boxes) {
      let best: (typeof clusters)[number] | undefined;
      let bestIou = IOU_THRESHOLD;
      for (const cluster of clusters) {
        if (cluster.label !== box.label || cluster.members.some((m) => m.judgment === index)) continue;
        const overlap = iou(meanBox(cluster.members.map((m) => m.box), box.label), box);
        if (overlap >= bestIou) {
          best = cluster;
          bestIou = overlap;
        }
      }
      if (best) best.members.push({ judgment: index, box });
      else clusters.push({ label: box.label, members: [{ judgment: index, box }] });
    }
  });
  const n = Math.max(1, judgments.length);
  const kept = clusters.filter((c) => c.members.length / n > 0.5);
  const boxes = kept.map((c) => meanBox(c.members.map((m) => m.box), c.label));
  if (clusters.length === 0) return { answer: { boxes: [] }, confidence: 1, method: "iou_clustering" };
  const scores = clusters.map((cluster) => {
    const support = cluster.members.length / n;
    if (!kept.includes(cluster)) return 1 - support; // agreement that this box is not there
    const consensus = meanBox(cluster.members.map((m) => m.box), cluster.label);
    return support * mean(cluster.members.map((m) => iou(m.box, consensus)));
  });
  return { answer: { boxes }, confidence: round(mean(scores)), method: "iou_clustering" };
}

function meanBox(boxes: Box[], label: string): Box {
  const avg = (pick: (b: Box) => number) => Math.round(mean(boxes.map(pick)) * 100) / 100;
  return { x: avg((b) => b.x), y: avg((b) => b.y), w: avg((b) => b.w), h: avg((b) => b.h), label };
}

// ---------- named entities: span vote ----------

/** Spans (start, end, label) marked by more than half the judgments; confidence is agreement per span. */
export function aggregateEntities(judgments: { entities: Entity[] }[]): Aggregate<{ entities: Entity[] }> {
  const n = Math.max(1, judgments.length);
  const counts = new Map<string, { entity: Entity; count: number }>();
  for (const judgment of judgments) {
    const seen = new Set<string>();
    for (const entity of judgment.entities) {
      const key = `${entity.start}:${entity.end}:${entity.label}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = counts.get(key) ?? { entity: { start: entity.start, end: entity.end, label: entity.label }, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
  }
  const entries = [...counts.values()];
  const entities = entries.filter((e) => e.count / n > 0.5).map((e) => e.entity).sort((a, b) => a.start - b.start || a.end - b.end);
  const confidence = entries.length ? mean(entries.map((e) => Math.max(e.count / n, 1 - e.count / n))) : 1;
  return { answer: { entities }, confidence: round(confidence), method: "span_vote" };
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
