// Each task type is one object carrying all of its behaviour; these checks hold
// for every registered type (a new type must add its sample here to compile).
import { describe, expect, it } from "vitest";
import { TASK_TYPE_DEFINITIONS, TASK_TYPES, type AggregationContext, type TaskType } from "../../src/domain/tasks/index.js";
import { seededRandom } from "../../src/domain/shared/index.js";

const SAMPLES: Record<TaskType, { spec: unknown; text: string | null }> = {
  image_classification: { spec: { question: "Animal?", options: ["cat", "dog", "bird"] }, text: null },
  text_classification: { spec: { question: "Sentiment?", options: ["pos", "neg"] }, text: "great" },
  multi_label_classification: { spec: { question: "Topics?", options: ["a", "b", "c", "d"], min: 1, max: 3 }, text: "x" },
  bounding_box: { spec: { question: "Cars?", classes: ["car", "bus"] }, text: null },
  named_entity: { spec: { question: "Entities?", entity_types: ["PER", "LOC"] }, text: "Ada met Grace in London" },
  rating: { spec: { question: "Rate it", criteria: [{ name: "helpful" }, { name: "harmless" }], scale: { min: 1, max: 7 } }, text: "An answer." },
  text_response: { spec: { question: "Transcribe", max_length: 500 }, text: null },
  pairwise_preference: {
    spec: { question: "Which answer is better?", allow_tie: true, strength_labels: ["slightly", "much"] },
    text: JSON.stringify({ prompt: "Capital of France?", responses: [{ id: "model-a", text: "Paris." }, { id: "model-b", text: "Lyon." }] }),
  },
  polygon: { spec: { question: "Outline the cars", classes: ["car", "bus"] }, text: null },
  keypoints: { spec: { question: "Mark the pose", keypoints: ["nose", "left_wrist", "right_wrist"], skeleton: [["left_wrist", "right_wrist"]] }, text: null },
};

/** A crowd of equally good voters with no history. */
const CONTEXT: AggregationContext = { quality: () => 0.8, pastJudgments: () => 0, recentVotes: async () => [] };

describe.each(TASK_TYPES)("task type %s", (name) => {
  const type = TASK_TYPE_DEFINITIONS[name];
  const { text } = SAMPLES[name];
  const spec = type.spec.parse(SAMPLES[name].spec);

  it("simulates answers that honour its own answer schema, right or wrong", () => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(seed);
      const truth = type.simulatedTruth(spec, text, random);
      expect(type.answer(spec, text).safeParse(truth).success, JSON.stringify(truth)).toBe(true);
      for (const correct of [true, false]) {
        const answer = type.simulatedAnswer(truth, spec, correct, random);
        expect(type.answer(spec, text).safeParse(answer).success, JSON.stringify(answer)).toBe(true);
      }
    }
  });

  it("agrees with itself and aggregates a unanimous crowd into that answer", async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const truth = type.simulatedTruth(spec, text, seededRandom(seed));
      expect(type.sameAnswer(truth, structuredClone(truth))).toBe(true);
      const votes = ["ann_1", "ann_2", "ann_3"].map((annotatorId) => ({ annotatorId, answer: structuredClone(truth) }));
      const aggregate = await type.aggregate(votes, spec, CONTEXT);
      expect(type.sameAnswer(aggregate.answer, truth), JSON.stringify(aggregate)).toBe(true);
      expect(aggregate.confidence).toBeGreaterThan(0.5);
      expect(aggregate.confidence).toBeLessThanOrEqual(1);
    }
  });

  it("tells a wrong answer from the truth when the truth has something to get wrong", () => {
    let told = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(seed);
      const truth = type.simulatedTruth(spec, text, random);
      const wrong = type.simulatedAnswer(truth, spec, false, random);
      if (JSON.stringify(wrong) !== JSON.stringify(truth)) {
        expect(type.sameAnswer(wrong, truth), JSON.stringify({ wrong, truth })).toBe(false);
        told++;
      }
    }
    expect(told).toBeGreaterThan(0);
  });
});
