// Aggregation on synthetic crowds with known annotator accuracies.
import { describe, expect, it } from "vitest";
import {
  aggregateBoxes,
  aggregateEntities,
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
});
