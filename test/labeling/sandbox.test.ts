import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { subscribe, wsClient } from "../support/ws.js";
import { sandboxCrowd, sandboxTruth, simulatedAnswer } from "../../src/domain/labeling/index.js";
import { loadConfig } from "../../src/config.js";

const SANDBOX_CROWD = sandboxCrowd(loadConfig({ DATA_DIR: "/tmp/refinery-crowd", SERVER_SECRET: "x".repeat(40) }).sandboxCrowd);
import { TASK_TYPE_DEFINITIONS, type TaskType } from "../../src/domain/tasks/index.js";

let service: TestService;
let customer: Customer;
beforeAll(async () => {
  service = await startTestService({ env: { ROLE: "all", SANDBOX_SEED: "7" } });
  customer = await registerCustomer(service.rest);
});
afterAll(() => service.close());

const TASKS: Record<TaskType, Record<string, unknown>> = {
  image_classification: imageTask(),
  text_classification: { type: "text_classification", data: "great", label_spec: { question: "Sentiment?", options: ["pos", "neg", "neutral"] } },
  multi_label_classification: { type: "multi_label_classification", data: "x", label_spec: { question: "Topics?", options: ["a", "b", "c", "d"], min: 1, max: 2 } },
  bounding_box: { type: "bounding_box", data_url: "https://example.com/cars.jpg", label_spec: { question: "Cars?", classes: ["car", "bus"] } },
  named_entity: { type: "named_entity", data: "Ada met Grace in London", label_spec: { question: "Entities?", entity_types: ["PER", "LOC"] } },
  rating: { type: "rating", data: "Paris is the capital of France.", label_spec: { question: "Rate the answer", criteria: [{ name: "accuracy" }, { name: "clarity" }] } },
  text_response: { type: "text_response", data_url: "https://example.com/receipt.png", label_spec: { question: "Transcribe the receipt's first line" } },
  pairwise_preference: {
    type: "pairwise_preference",
    data: { prompt: "Capital of France?", responses: [{ id: "model-a", text: "Paris." }, { id: "model-b", text: "Lyon, I think." }] },
    label_spec: { question: "Which answer is better?", strength_labels: ["slightly", "much"] },
  },
  polygon: { type: "polygon", data_url: "https://example.com/street.jpg", label_spec: { question: "Outline the cars", classes: ["car"] } },
  keypoints: { type: "keypoints", data_url: "https://example.com/runner.jpg", label_spec: { question: "Mark the pose", keypoints: ["nose", "left_wrist", "right_wrist"] } },
};

async function waitForResult(taskId: string) {
  for (let i = 0; i < 100; i++) {
    const res = await service.rest.get(`/v1/tasks/${taskId}/result`, { apiKey: customer.apiKey });
    if (res.status === 200) return res;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`task ${taskId} did not complete`);
}

describe("the sandbox labeler", () => {
  it.each(Object.entries(TASKS))("completes a %s task on its own with the documented result body", async (type, body) => {
    const created = await service.rest.post("/v1/tasks", body, { apiKey: customer.apiKey });
    const res = await waitForResult(created.body.task_id);
    expect(res.body).toMatchObject({ task_id: created.body.task_id, status: "completed", task_type: type, judgments: 3 });
    expect(res.body.confidence).toBeGreaterThanOrEqual(0);
    expect(res.body.confidence).toBeLessThanOrEqual(1);
    expect(res.body.completed_at).toMatch(/Z$/);
    // The result honours the task's label_spec, like any judgment.
    const definition = TASK_TYPE_DEFINITIONS[type as TaskType];
    expect(definition.answer(body.label_spec, body.data as string | undefined).safeParse(res.body.result).success).toBe(true);
    expect(res.body.aggregation.votes).toHaveLength(3);
  });

  it("pushes the completion to a graphql-ws subscriber", async () => {
    const client = wsClient(service.url, { authorization: customer.apiKey });
    try {
      // Subscribed before submitting: the crowd may finish within milliseconds.
      const sub = await subscribe(client, `subscription { taskUpdates { task { id status result } } }`);
      const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
      let event = await sub.next();
      while (event.taskUpdates.task.id !== created.body.task_id || event.taskUpdates.task.status !== "COMPLETED") event = await sub.next();
      expect(event.taskUpdates.task.result).toHaveProperty("label");
    } finally {
      await client.dispose();
    }
  });

  it("takes a gold task's answer as the truth, and does not bill it", async () => {
    const usedBefore = (await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey })).body.labels_used;
    const created = await service.rest.post("/v1/tasks", imageTask({ gold_answer: { label: "b" } }), { apiKey: customer.apiKey });
    const res = await waitForResult(created.body.task_id);
    // Each simulated voter answered as its seeded draw around the gold answer
    // (which voters judge depends on timing, so the votes are checked one by one).
    const task = await service.deps.prisma.task.findUniqueOrThrow({ where: { id: created.body.task_id } });
    const annotators = await service.deps.prisma.annotator.findMany({ where: { kind: "simulated" } });
    const votes: { annotator_id: string; answer: { label: string } }[] = res.body.aggregation.votes;
    for (const vote of votes) {
      const member = SANDBOX_CROWD.find((m) => m.name === annotators.find((a) => a.id === vote.annotator_id)!.name)!;
      expect(vote.answer).toEqual(simulatedAnswer(7, task, member));
    }
    if (votes.filter((v) => v.answer.label === "b").length >= 2) expect(res.body.result).toEqual({ label: "b" });
    expect((await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey })).body.labels_used).toBe(usedBefore);
  });

  it("completes a batch, mostly right, within seconds", async () => {
    const tasks = Array.from({ length: 40 }, () => TASKS.text_classification);
    const batch = await service.rest.post("/v1/tasks/batch", { tasks }, { apiKey: customer.apiKey });
    for (let i = 0; i < 300; i++) {
      const res = await service.rest.get(`/v1/batches/${batch.body.batch_id}`, { apiKey: customer.apiKey });
      if (res.body.status === "completed") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const done = await service.deps.prisma.task.findMany({ where: { batchId: batch.body.batch_id } });
    expect(done.every((t) => t.status === "completed")).toBe(true);
    const right = done.filter((t) => (t.result as any).label === (sandboxTruth(7, t) as any).label).length;
    // Three judgments from this crowd are right ≈ 91 % of the time (simulated offline over
    // 4,000 tasks); which members judge a task depends on timing, so 40 tasks vary by ±5 %.
    // Answers at random would score 33 %.
    expect(right / done.length).toBeGreaterThan(0.7);
  });
});

describe("the simulated crowd", () => {
  const task = { id: "tsk_fixed", type: "image_classification", labelSpec: { question: "Q", options: ["a", "b", "c"] }, data: null, goldAnswer: null };

  it("is deterministic for a given seed", () => {
    const first = SANDBOX_CROWD.map((member) => simulatedAnswer(42, task, member));
    const again = SANDBOX_CROWD.map((member) => simulatedAnswer(42, task, member));
    expect(again).toEqual(first);
    const truths = new Set(Array.from({ length: 20 }, (_, seed) => JSON.stringify(sandboxTruth(seed, task))));
    expect(truths.size).toBeGreaterThan(1);
  });

  it("answers about as accurately as configured", () => {
    for (const member of SANDBOX_CROWD) {
      let right = 0;
      for (let i = 0; i < 2000; i++) {
        const t = { ...task, id: `tsk_${i}` };
        if ((simulatedAnswer(1, t, member) as any).label === (sandboxTruth(1, t) as any).label) right++;
      }
      expect(Math.abs(right / 2000 - member.accuracy)).toBeLessThan(0.04);
    }
  });
});
