// Aggregation on synthetic crowds with known annotator accuracies.
import { describe, expect, it } from "vitest";
import {
  aggregateBoxes,
  aggregateEntities,
  aggregateKeypoints,
  aggregatePolygons,
  aggregatePreferences,
  bradleyTerry,
  maskIou,
  oks,
  type Comparison,
  aggregateMultiLabel,
  aggregateRatings,
  aggregateTextResponses,
  TASK_TYPE_DEFINITIONS,
  argmax,
  dawidSkene,
  dawidSkeneAccuracy,
  weightedVote,
  workerQuality,
  type CategoricalVote,
} from "../../src/domain/tasks/index.js";
import { seededRandom } from "../../src/domain/shared/index.js";

/** items with a true class, each labeled by `perItem` distinct workers of the given accuracies. */
function syntheticCrowd(seed: number, accuracies: number[], items: number, classes: number, perItem: number) {
  const random = seededRandom(seed);
  const truth: number[] = [];
  const votes: CategoricalVote[][] = [];
  for (let i = 0; i < items; i++) {
    const label = Math.floor(random() * classes);
    truth.push(label);
    const workers = [...accuracies.keys()].sort(() => random() - 0.5).slice(0, perItem);
    votes.push(
      workers.map((w) => {
        if (random() < accuracies[w]) return { worker: `w${w}`, label };
        const wrong = (label + 1 + Math.floor(random() * (classes - 1))) % classes;
        return { worker: `w${w}`, label: wrong };
      }),
    );
  }
  return { truth, votes };
}

function majorityAccuracy(votes: CategoricalVote[][], truth: number[], classes: number) {
  let correct = 0;
  votes.forEach((v, i) => {
    const counts = new Array(classes).fill(0);
    for (const vote of v) counts[vote.label]++;
    if (argmax(counts) === truth[i]) correct++;
  });
  return correct / truth.length;
}

describe("Dawid–Skene", () => {
  // 6 good annotators (0.85) and 3 bad ones (0.4) on 3 classes; 5 judgments per item.
  const accuracies = [0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.4, 0.4, 0.4];
  const { truth, votes } = syntheticCrowd(7, accuracies, 600, 3, 5);
  const fit = dawidSkene(votes, 3);
  const dsAccuracy = fit.posterior.filter((p, i) => argmax(p) === truth[i]).length / truth.length;
  const mvAccuracy = majorityAccuracy(votes, truth, 3);

  it(`is at least as accurate as majority vote with a few bad annotators`, () => {
    console.log(`synthetic crowd (600 items, 3 classes, 5 votes each, 6×0.85 + 3×0.40): Dawid–Skene ${dsAccuracy.toFixed(3)}, majority vote ${mvAccuracy.toFixed(3)}`);
    expect(dsAccuracy).toBeGreaterThanOrEqual(mvAccuracy);
    expect(dsAccuracy).toBeGreaterThan(0.9);
  });

  it("recovers each annotator's accuracy", () => {
    accuracies.forEach((accuracy, w) => {
      expect(Math.abs(dawidSkeneAccuracy(fit, `w${w}`)! - accuracy)).toBeLessThan(0.08);
    });
  });

  it("gives calibrated confidences (expected calibration error < 0.05)", () => {
    const bins = Array.from({ length: 10 }, () => ({ confidence: 0, correct: 0, count: 0 }));
    fit.posterior.forEach((p, i) => {
      const chosen = argmax(p);
      const bin = bins[Math.min(9, Math.floor(p[chosen] * 10))];
      bin.confidence += p[chosen];
      bin.correct += chosen === truth[i] ? 1 : 0;
      bin.count++;
    });
    const ece = bins.reduce((sum, b) => sum + (b.count ? Math.abs(b.confidence - b.correct) : 0), 0) / truth.length;
    console.log(`expected calibration error: ${ece.toFixed(4)}`);
    expect(ece).toBeLessThan(0.05);
  });
});

/** The Bayes oracle: each item's most probable class given the true confusion matrices (and a uniform prior). */
function oracleAccuracy(votes: CategoricalVote[][], truth: number[], matrixOf: (worker: string) => number[][], classes: number) {
  let correct = 0;
  votes.forEach((v, i) => {
    const logp = new Array(classes).fill(0);
    for (const vote of v) for (let k = 0; k < classes; k++) logp[k] += Math.log(Math.max(1e-12, matrixOf(vote.worker)[k][vote.label]));
    if (argmax(logp) === truth[i]) correct++;
  });
  return correct / truth.length;
}

const symmetric = (accuracy: number, classes: number) =>
  Array.from({ length: classes }, (_, k) => Array.from({ length: classes }, (_, l) => (k === l ? accuracy : (1 - accuracy) / (classes - 1))));

function expectedCalibrationError(posterior: number[][], truth: number[]) {
  const bins = Array.from({ length: 10 }, () => ({ confidence: 0, correct: 0 }));
  posterior.forEach((p, i) => {
    const chosen = argmax(p);
    const bin = bins[Math.min(9, Math.floor(p[chosen] * 10))];
    bin.confidence += p[chosen];
    bin.correct += chosen === truth[i] ? 1 : 0;
  });
  return bins.reduce((sum, b) => sum + Math.abs(b.confidence - b.correct), 0) / truth.length;
}

/** Items each labeled by `perItem` distinct workers drawn at random from the crowd, answering by their confusion matrices. */
function crowdOfMatrices(seed: number, matrices: number[][][], items: number, perItem: number) {
  const random = seededRandom(seed);
  const classes = matrices[0].length;
  const truth: number[] = [];
  const votes: CategoricalVote[][] = [];
  for (let i = 0; i < items; i++) {
    const label = Math.floor(random() * classes);
    truth.push(label);
    const workers = new Set<number>();
    while (workers.size < perItem) workers.add(Math.floor(random() * matrices.length));
    votes.push(
      [...workers].map((w) => {
        let u = random();
        let given = 0;
        while (given < classes - 1 && u > matrices[w][label][given]) u -= matrices[w][label][given++];
        return { worker: `w${w}`, label: given };
      }),
    );
  }
  return { truth, votes, matrixOf: (worker: string) => matrices[Number(worker.slice(1))] };
}

describe("Dawid–Skene against the Bayes oracle (the true confusion matrices), 5 crowds each", () => {
  const SEEDS = [1, 2, 3, 4, 5];
  function measure(makeCrowd: (seed: number) => ReturnType<typeof crowdOfMatrices>, classes: number) {
    let oracle = 0, ds = 0, mv = 0, ece = 0;
    for (const seed of SEEDS) {
      const { truth, votes, matrixOf } = makeCrowd(seed);
      const fit = dawidSkene(votes, classes);
      oracle += oracleAccuracy(votes, truth, matrixOf, classes);
      ds += fit.posterior.filter((p, i) => argmax(p) === truth[i]).length / truth.length;
      mv += majorityAccuracy(votes, truth, classes);
      ece += expectedCalibrationError(fit.posterior, truth);
    }
    const n = SEEDS.length;
    return { oracle: oracle / n, ds: ds / n, mv: mv / n, ece: ece / n };
  }
  const report = (name: string, r: ReturnType<typeof measure>) =>
    console.log(`${name}: oracle ${r.oracle.toFixed(4)}, Dawid–Skene ${r.ds.toFixed(4)} (${((r.oracle - r.ds) * 100).toFixed(2)} points under), majority ${r.mv.toFixed(4)}, ECE ${r.ece.toFixed(4)}`);
  // 100 workers of accuracy 0.5–0.95 on 3 classes, 3 votes per item: about 150 judgments per worker at 5,000 items, 18 at 600.
  const sparse = (items: number) => (seed: number) => {
    const random = seededRandom(seed + 99);
    return crowdOfMatrices(seed, Array.from({ length: 100 }, () => symmetric(0.5 + 0.45 * random(), 3)), items, 3);
  };

  it("sparse crowds of 2,000 and 5,000 items: within 1 point of the oracle, calibrated, above majority vote", () => {
    for (const items of [2_000, 5_000]) {
      const r = measure(sparse(items), 3);
      report(`sparse crowd (100 workers, 3 votes, ${items} items)`, r);
      expect(r.oracle - r.ds).toBeLessThan(0.01);
      expect(r.ece).toBeLessThan(0.05);
      expect(r.ds).toBeGreaterThan(r.mv);
    }
  });

  it("sparsest crowd, 600 items (18 judgments per worker): within 2 points of the oracle, calibrated, above majority vote", () => {
    const r = measure(sparse(600), 3);
    report("sparse crowd (100 workers, 3 votes, 600 items)", r);
    expect(r.oracle - r.ds).toBeLessThan(0.02);
    expect(r.ece).toBeLessThan(0.05);
    expect(r.ds).toBeGreaterThan(r.mv);
  });

  it("dense crowds, symmetric and with workers who confuse one class for another: within 1 point of the oracle", () => {
    const dense = measure((seed) => crowdOfMatrices(seed, [...Array(6).fill(symmetric(0.85, 3)), ...Array(3).fill(symmetric(0.4, 3))], 600, 5), 3);
    report("dense crowd (6×0.85 + 3×0.40, 5 votes, 600 items)", dense);
    const biased = [
      [0.3, 0.7, 0],
      [0.05, 0.9, 0.05],
      [0.05, 0.05, 0.9],
    ];
    const asymmetric = measure((seed) => crowdOfMatrices(seed, [...Array(6).fill(symmetric(0.85, 3)), ...Array(3).fill(biased)], 600, 5), 3);
    report("dense crowd, 3 of 9 workers answer 1 for 0 (5 votes, 600 items)", asymmetric);
    for (const r of [dense, asymmetric]) {
      expect(r.oracle - r.ds).toBeLessThan(0.01);
      expect(r.ece).toBeLessThan(0.05);
    }
  });
});

describe("skill-weighted vote", () => {
  it("trusts a proven annotator over two unproven ones", () => {
    const quality = (w: string) => (w === "expert" ? workerQuality(50, 50) : workerQuality(0, 0));
    const votes = [
      { worker: "expert", label: 0 },
      { worker: "new1", label: 1 },
      { worker: "new2", label: 1 },
    ];
    const { posterior } = weightedVote(votes, 3, quality);
    expect(argmax(posterior)).toBe(0);
  });

  it("uses the smoothed gold formula", () => {
    expect(workerQuality(0, 0)).toBe(0.75);
    expect(workerQuality(9, 10)).toBeCloseTo(10.5 / 12);
  });
});

describe("other task types", () => {
  it("multi-label: keeps options chosen by a weighted majority", () => {
    const result = aggregateMultiLabel(
      [
        { worker: "a", labels: ["x", "y"] },
        { worker: "b", labels: ["x"] },
        { worker: "c", labels: ["x", "z"] },
      ],
      ["x", "y", "z"],
      () => 1,
    );
    expect(result.answer.labels).toEqual(["x"]);
    expect(result.confidence).toBeCloseTo((1 + 2 / 3 + 2 / 3) / 3);
  });

  it("boxes: clusters overlapping boxes and returns the consensus box", () => {
    const result = aggregateBoxes([
      { boxes: [{ x: 10, y: 10, w: 100, h: 50, label: "car" }] },
      { boxes: [{ x: 12, y: 8, w: 98, h: 52, label: "car" }, { x: 500, y: 500, w: 10, h: 10, label: "car" }] },
      { boxes: [{ x: 8, y: 12, w: 102, h: 48, label: "car" }] },
    ]);
    expect(result.answer.boxes).toEqual([{ x: 10, y: 10, w: 100, h: 50, label: "car" }]);
    expect(result.confidence).toBeGreaterThan(0.75);
    expect(result.confidence).toBeLessThan(1);
  });

  it("entities: keeps spans marked by a majority", () => {
    const result = aggregateEntities([
      { entities: [{ start: 0, end: 3, label: "PER" }, { start: 13, end: 19, label: "LOC" }] },
      { entities: [{ start: 0, end: 3, label: "PER" }] },
      { entities: [{ start: 0, end: 3, label: "PER" }, { start: 13, end: 19, label: "LOC" }] },
    ]);
    expect(result.answer.entities).toEqual([
      { start: 0, end: 3, label: "PER" },
      { start: 13, end: 19, label: "LOC" },
    ]);
    expect(result.confidence).toBeCloseTo((1 + 2 / 3) / 2, 5);
  });

  it("ratings: the weighted median beats a plurality vote on a crowd whose mistakes are a point off", () => {
    const rating = TASK_TYPE_DEFINITIONS.rating;
    const spec = rating.spec.parse({ question: "Rate", criteria: [{ name: "quality" }] });
    const random = seededRandom(5);
    let ordinal = 0;
    let plurality = 0;
    const items = 2000;
    for (let i = 0; i < items; i++) {
      const truth = rating.simulatedTruth(spec, null, random);
      const votes = [0.7, 0.65, 0.6].map((accuracy, w) => ({ annotatorId: `w${w}`, answer: rating.simulatedAnswer(truth, spec, random() < accuracy, random) }));
      if (aggregateRatings(votes, spec, () => 0.65).answer.ratings.quality === truth.ratings.quality) ordinal++;
      const counts = new Map<number, number>();
      for (const vote of votes) counts.set(vote.answer.ratings.quality, (counts.get(vote.answer.ratings.quality) ?? 0) + 1);
      // A plurality vote, ties to the first answer given.
      const top = Math.max(...counts.values());
      if (votes.find((vote) => counts.get(vote.answer.ratings.quality) === top)!.answer.ratings.quality === truth.ratings.quality) plurality++;
    }
    expect(ordinal / items).toBeGreaterThan(plurality / items + 0.03);
    const split = aggregateRatings(["2", "3", "4"].map((r, i) => ({ annotatorId: `a${i}`, answer: { ratings: { quality: Number(r) } } })), spec, () => 0.7);
    expect(split.answer.ratings.quality).toBe(3);
  });

  it("text responses: the medoid beats an exact-match majority when careful annotators differ in case and punctuation", () => {
    const text = TASK_TYPE_DEFINITIONS.text_response;
    const spec = text.spec.parse({ question: "Transcribe" });
    const random = seededRandom(9);
    let medoid = 0;
    let exact = 0;
    const items = 1000;
    for (let i = 0; i < items; i++) {
      const truth = text.simulatedTruth(spec, null, random);
      const votes = [0.8, 0.75, 0.7].map((accuracy, w) => ({ annotatorId: `w${w}`, answer: text.simulatedAnswer(truth, spec, random() < accuracy, random) }));
      if (text.sameAnswer(aggregateTextResponses(votes, () => 0.75).answer, truth)) medoid++;
      const counts = new Map<string, number>();
      for (const vote of votes) counts.set(vote.answer.text, (counts.get(vote.answer.text) ?? 0) + 1);
      const top = [...counts].sort((a, b) => b[1] - a[1])[0][0];
      if (text.sameAnswer({ text: top }, truth)) exact++;
    }
    expect(medoid / items).toBeGreaterThan(exact / items + 0.03);
    const result = aggregateTextResponses(
      [
        { annotatorId: "a", answer: { text: "Total due: 42 EUR" } },
        { annotatorId: "b", answer: { text: "total due 42 eur" } },
        { annotatorId: "c", answer: { text: "Tota1 paid 4 EUR" } },
      ],
      () => 0.8,
    );
    expect(result.answer.text).toBe("Total due: 42 EUR");
    expect(result.confidence).toBeCloseTo(2 / 3, 5);
  });

  /** How often the aggregate of 5 simulated annotators is right, against how often one of them alone is (on average). */
  function crowdAgainstOne(name: "polygon" | "keypoints", specInput: unknown, seed: number) {
    const type = TASK_TYPE_DEFINITIONS[name];
    const spec = type.spec.parse(specInput);
    const random = seededRandom(seed);
    let crowd = 0;
    let single = 0;
    const items = 300;
    for (let i = 0; i < items; i++) {
      const truth = type.simulatedTruth(spec, null, random);
      const votes = [0.75, 0.7, 0.7, 0.65, 0.65].map((accuracy, w) => ({ annotatorId: `w${w}`, answer: type.simulatedAnswer(truth, spec, random() < accuracy, random) }));
      const aggregate = name === "polygon" ? aggregatePolygons(votes.map((v) => v.answer)) : aggregateKeypoints(votes.map((v) => v.answer), spec);
      if (type.sameAnswer(aggregate.answer, truth)) crowd++;
      single += votes.filter((vote) => type.sameAnswer(vote.answer, truth)).length / votes.length;
    }
    return { crowd: crowd / items, single: single / items };
  }

  it("polygons: mask IoU is the overlap of the enclosed areas, whatever the vertices", () => {
    const square = (x: number, y: number, side: number): [number, number][] => [[x, y], [x + side, y], [x + side, y + side], [x, y + side]];
    expect(maskIou(square(0, 0, 2), square(1, 1, 2))).toBeCloseTo(1 / 7, 9);
    // The same square outlined with 8 vertices (its edges' midpoints too) is the same area.
    const eight: [number, number][] = [[0, 0], [5, 0], [10, 0], [10, 5], [10, 10], [5, 10], [0, 10], [0, 5]];
    expect(maskIou(square(0, 0, 10), eight)).toBeCloseTo(1, 9);
    expect(maskIou(square(0, 0, 10), square(20, 20, 5))).toBe(0);
    // A bow-tie (self-intersecting) outline covers its two triangles, half the square.
    expect(maskIou(square(0, 0, 2), [[0, 0], [2, 2], [2, 0], [0, 2]])).toBeCloseTo(0.5, 9);
  });

  it("polygons: the consensus is the outline most like the others, and a stray one is dropped", () => {
    const car = (dx: number) => ({ label: "car", points: [[10 + dx, 10], [110 + dx, 10], [110 + dx, 60], [10 + dx, 60]] as [number, number][] });
    const result = aggregatePolygons([
      { polygons: [car(0)] },
      { polygons: [car(3), { label: "car", points: [[500, 500], [520, 500], [510, 520]] }] },
      { polygons: [car(-3)] },
    ]);
    expect(result).toMatchObject({ answer: { polygons: [car(0)] }, method: "mask_iou_clustering" });
    expect(result.confidence).toBeGreaterThan(0.7);
    expect(result.confidence).toBeLessThan(1);
    const crowd = crowdAgainstOne("polygon", { question: "Outline", classes: ["car", "bus"] }, 11);
    expect(crowd.crowd).toBeGreaterThan(crowd.single + 0.08);
  });

  it("keypoints: OKS falls off with distance relative to the object's size, and counts a point only one side marked as a miss", () => {
    const pose = (dx: number) => ({ keypoints: { nose: { x: 100 + dx, y: 100 }, left_wrist: { x: 50 + dx, y: 300 }, right_wrist: { x: 150 + dx, y: 300 } } });
    const sigma = () => 0.05;
    expect(oks(pose(0), pose(0), sigma)).toBe(1);
    const near = oks(pose(0), pose(5), sigma);
    const far = oks(pose(0), pose(40), sigma);
    expect(near).toBeGreaterThan(0.9);
    expect(far).toBeLessThan(near);
    expect(far).toBeLessThan(0.5);
    const { right_wrist: _, ...partial } = pose(0).keypoints;
    expect(oks(pose(0), { keypoints: partial }, sigma)).toBeCloseTo(2 / 3, 9);
  });

  it("keypoints: each point at the median of the cluster's placements, kept where most marked it", () => {
    const spec = TASK_TYPE_DEFINITIONS.keypoints.spec.parse({ question: "Pose", keypoints: ["nose", "left_wrist", "right_wrist"] });
    const result = aggregateKeypoints(
      [
        { instances: [{ keypoints: { nose: { x: 100, y: 100 }, left_wrist: { x: 50, y: 300 }, right_wrist: { x: 150, y: 300 } } }] },
        { instances: [{ keypoints: { nose: { x: 104, y: 98 }, left_wrist: { x: 52, y: 302 } } }] },
        { instances: [{ keypoints: { nose: { x: 130, y: 100 }, left_wrist: { x: 48, y: 298 } } }] },
      ],
      spec,
    );
    // The nose 30 px off in one judgment does not move the consensus past the middle one; the right wrist only one marked is left out.
    expect(result).toMatchObject({ answer: { instances: [{ keypoints: { nose: { x: 104, y: 100 }, left_wrist: { x: 50, y: 300 } } }] }, method: "oks_clustering" });
    expect(Object.keys(result.answer.instances[0].keypoints)).toEqual(["nose", "left_wrist"]);
    const crowd = crowdAgainstOne("keypoints", { question: "Pose", keypoints: ["nose", "left_wrist", "right_wrist", "left_ankle", "right_ankle"] }, 12);
    expect(crowd.crowd).toBeGreaterThan(crowd.single + 0.08);
  });

  it("pairwise preferences: the weighted vote per pair, the strength of those who chose the winner", () => {
    const spec = TASK_TYPE_DEFINITIONS.pairwise_preference.spec.parse({ question: "Better?", strength_labels: ["slightly", "much"] });
    const result = aggregatePreferences(
      [
        { annotatorId: "a", answer: { choice: "b", strength: 2 } },
        { annotatorId: "b", answer: { choice: "b", strength: 1, reason: "shorter" } },
        { annotatorId: "c", answer: { choice: "a", strength: 2 } },
      ],
      spec,
      () => 0.8,
    );
    expect(result).toMatchObject({ answer: { choice: "b", strength: 1 }, method: "weighted_vote" });
    expect(result.confidence).toBeCloseTo(0.8, 6);
    // One proven annotator outweighs two new ones.
    const proven = aggregatePreferences(
      [
        { annotatorId: "expert", answer: { choice: "a", strength: 2 } },
        { annotatorId: "new1", answer: { choice: "b", strength: 1 } },
        { annotatorId: "new2", answer: { choice: "b", strength: 1 } },
      ],
      spec,
      (id) => (id === "expert" ? 0.98 : 0.6),
    );
    expect(proven.answer.choice).toBe("a");
  });

  it("Bradley–Terry recovers known strengths, and ranks by whom an item beat where counting wins cannot", () => {
    const strengths: Record<string, number> = { m1: 1.5, m2: 1, m3: 0.5, m4: 0, m5: -0.5, m6: -1, m7: -1.5 };
    const ids = Object.keys(strengths);
    const random = seededRandom(21);
    const comparisons: Comparison[] = [];
    for (let n = 0; n < 4000; n++) {
      const [a, b] = [ids[Math.floor(random() * ids.length)], ids[Math.floor(random() * ids.length)]];
      if (a === b) continue;
      comparisons.push({ a, b, choice: random() < 1 / (1 + Math.exp(strengths[b] - strengths[a])) ? "a" : "b" });
    }
    const ranking = bradleyTerry(comparisons);
    expect(ranking.map((item) => item.id)).toEqual(ids);
    expect(ranking.map((item) => item.rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const item of ranking) expect(Math.abs(item.score - strengths[item.id])).toBeLessThan(0.2);
    expect(ranking.reduce((sum, item) => sum + item.wins + item.losses, 0)).toBe(2 * comparisons.length);

    // "hard" plays only the strongest and wins half; "easy" plays only the weakest and wins 3 of 4.
    const schedule: Comparison[] = [];
    for (let i = 0; i < 40; i++) {
      schedule.push({ a: "strong", b: "weak", choice: "a" }, { a: "strong", b: "weak", choice: i % 5 === 0 ? "b" : "a" });
      schedule.push({ a: "hard", b: "strong", choice: i % 2 ? "a" : "b" });
      schedule.push({ a: "easy", b: "weak", choice: i % 4 ? "a" : "b" });
    }
    const byWins = (id: string) => {
      const played = schedule.filter((c) => c.a === id || c.b === id);
      return played.filter((c) => (c.choice === "a" ? c.a : c.b) === id).length / played.length;
    };
    expect(byWins("easy")).toBeGreaterThan(byWins("hard"));
    const fitted = bradleyTerry(schedule);
    const rankOf = (id: string) => fitted.find((item) => item.id === id)!.rank;
    expect(rankOf("hard")).toBeLessThan(rankOf("easy"));
    // A tie counts half to each; an item that won everything still gets a finite score.
    const sweep = bradleyTerry([{ a: "x", b: "y", choice: "a" }, { a: "x", b: "y", choice: "a" }, { a: "y", b: "z", choice: "tie" }]);
    expect(sweep[0]).toMatchObject({ id: "x", wins: 2, losses: 0, rank: 1 });
    expect(Number.isFinite(sweep[0].score)).toBe(true);
    expect(sweep.find((item) => item.id === "z")).toMatchObject({ ties: 1, wins: 0, losses: 0 });
  });
});
