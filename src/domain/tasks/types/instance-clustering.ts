// Aggregation for the types whose answer is a set of drawn instances (boxes,
// polygons, keypoint skeletons): every annotator's instances are clustered by
// an overlap measure (IoU, mask IoU, OKS), and the clusters most annotators
// agree on become the result.
import { mean } from "./voting.js";

export interface InstanceRule<T> {
  /** Overlap of two instances, 0..1. */
  similarity(a: T, b: T): number;
  /** One instance standing for a cluster's members (all of the same label). */
  consensus(members: T[], label: string): T;
  /** Two instances of one label overlapping at least this much are the same object. */
  threshold: number;
}

/** An instance's label; a type whose instances have none clusters them all together. */
const labelOf = (item: object) => (item as { label?: string }).label ?? "";

/**
 * Greedy clustering: an instance joins the cluster of its label whose
 * consensus it overlaps most (at least `threshold`) and that has no instance
 * from the same judgment yet. Clusters backed by more than half the judgments
 * become the result (their consensus). Confidence: support × mean overlap
 * with the consensus, averaged over clusters, where a cluster without a
 * majority counts as agreement that it is not there (1 − support).
 */
export function aggregateInstances<T extends object>(judgments: T[][], rule: InstanceRule<T>): { instances: T[]; confidence: number } {
  // Each cluster keeps its consensus, recomputed only when it gains a member.
  const clusters: { label: string; members: { judgment: number; item: T }[]; consensus: T }[] = [];
  judgments.forEach((judgment, index) => {
    for (const item of judgment) {
      let best: (typeof clusters)[number] | undefined;
      let bestOverlap = rule.threshold;
      for (const cluster of clusters) {
        if (cluster.label !== labelOf(item) || cluster.members.some((m) => m.judgment === index)) continue;
        const overlap = rule.similarity(cluster.consensus, item);
        if (overlap >= bestOverlap) {
          best = cluster;
          bestOverlap = overlap;
        }
      }
      if (best) {
        best.members.push({ judgment: index, item });
        best.consensus = rule.consensus(best.members.map((m) => m.item), best.label);
      } else clusters.push({ label: labelOf(item), members: [{ judgment: index, item }], consensus: rule.consensus([item], labelOf(item)) });
    }
  });
  if (clusters.length === 0) return { instances: [], confidence: 1 };
  const n = Math.max(1, judgments.length);
  const kept = clusters.filter((c) => c.members.length / n > 0.5);
  const scores = clusters.map((cluster) => {
    const support = cluster.members.length / n;
    if (!kept.includes(cluster)) return 1 - support;
    return support * mean(cluster.members.map((m) => rule.similarity(m.item, cluster.consensus)));
  });
  return { instances: kept.map((cluster) => cluster.consensus), confidence: mean(scores) };
}

/** Whether two answers hold the same instances: each of one matched by a distinct one of the other. */
export function sameInstances<T extends object>(a: T[], b: T[], rule: Pick<InstanceRule<T>, "similarity" | "threshold">): boolean {
  const unmatched = [...b];
  if (a.length !== unmatched.length) return false;
  return a.every((item) => {
    const match = unmatched.findIndex((other) => labelOf(other) === labelOf(item) && rule.similarity(item, other) >= rule.threshold);
    if (match < 0) return false;
    unmatched.splice(match, 1);
    return true;
  });
}
