// Voting arithmetic shared by the task types: the skill-weighted vote and
// Dawid–Skene for categorical answers. Pure functions; tests check them on
// synthetic crowds.

export interface Aggregate<A> {
  answer: A;
  /** Posterior of the chosen label (categorical) or agreement (the other types), 0..1. */
  confidence: number;
  method: "dawid_skene" | "weighted_vote" | "per_option_vote" | "iou_clustering" | "span_vote" | "weighted_median" | "edit_distance_medoid" | "mask_iou_clustering" | "oks_clustering";
}

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
 * by (soft) majority vote, with a hierarchical prior: each worker's matrix is
 * shrunk towards the pooled matrix of all workers by `poolStrength`
 * pseudo-judgments per row. Without it a crowd of many workers with few
 * judgments each (100 workers, 3 votes per item) fitted each worker's matrix
 * to its handful of votes and fell below majority vote; with it, such workers
 * count as the crowd's average until their own record says otherwise.
 * `smoothing` is a small symmetric pseudo-count that keeps every entry above 0.
 */
export function dawidSkene(
  items: CategoricalVote[][],
  classes: number,
  options: { maxIterations?: number; smoothing?: number; poolStrength?: number; matrixStrength?: number } = {},
): DawidSkeneResult {
  const maxIterations = options.maxIterations ?? 50;
  const smoothing = options.smoothing ?? 0.5;
  const poolStrength = options.poolStrength ?? 6;
  const matrixStrength = options.matrixStrength ?? 100;
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

    // Each worker's soft counts, and the pool's (every worker's together).
    const counts = new Map(workers.map((w) => [w, Array.from({ length: classes }, () => new Array<number>(classes).fill(0))]));
    const pool = Array.from({ length: classes }, () => new Array<number>(classes).fill(smoothing));
    items.forEach((votes, i) => {
      for (const vote of votes) {
        const matrix = counts.get(vote.worker)!;
        for (let k = 0; k < classes; k++) {
          matrix[k][vote.label] += posterior[i][k];
          pool[k][vote.label] += posterior[i][k];
        }
      }
    });
    for (const row of pool) {
      const total = row.reduce((a, b) => a + b, 0);
      for (let l = 0; l < classes; l++) row[l] /= total;
    }
    // Two levels of shrinkage. A worker's accuracy (one number) is shrunk towards
    // the pool's by `poolStrength` pseudo-judgments; its full matrix towards the
    // matrix of that accuracy (errors spread as the pool's are) by `matrixStrength`.
    // A worker with a handful of judgments thus looks like the crowd, one with a
    // few dozen has its own accuracy, one with hundreds its own confusions.
    const poolAccuracy = pool.reduce((sum, row, k) => sum + prior[k] * row[k], 0);
    confusion = new Map();
    for (const [worker, matrix] of counts) {
      const judged = matrix.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
      const correct = matrix.reduce((sum, row, k) => sum + row[k], 0);
      const accuracy = (correct + poolStrength * poolAccuracy) / (judged + poolStrength);
      confusion.set(
        worker,
        matrix.map((row, k) => {
          const offPool = 1 - pool[k][k];
          const oneCoin = pool[k].map((p, l) => (l === k ? accuracy : offPool > 0 ? ((1 - accuracy) * p) / offPool : (1 - accuracy) / Math.max(1, classes - 1)));
          const shrunk = row.map((count, l) => count + matrixStrength * oneCoin[l] + smoothing / classes);
          const total = shrunk.reduce((a, b) => a + b, 0);
          return shrunk.map((value) => value / total);
        }),
      );
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

export function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

export function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function normalizeLog(logp: number[]): number[] {
  const max = Math.max(...logp);
  const exp = logp.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / total);
}
