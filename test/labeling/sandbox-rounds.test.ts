// The simulated crowd's rounds: many tasks per transaction, by the engine's
// rules, shared safely by concurrent rounds (as by several worker processes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureSandboxCrowd, labelSandboxRound, sandboxCrowd, simulatedAnswer, type CrowdMember } from "../../src/domain/labeling/index.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/harness.js";

const SEED = 11;
const ACCURACIES = [0.95, 0.9, 0.9, 0.85, 0.8, 0.7, 0.6];

let service: TestService;
let customer: Customer;
let crowd: CrowdMember[];
beforeAll(async () => {
  // ROLE api: no background labeler, so this file runs every round itself.
  service = await startTestService();
  customer = await registerCustomer(service.rest);
  await service.deps.prisma.customer.update({ where: { id: customer.customerId }, data: { sandboxLabelQuota: 100_000 } });
  crowd = await ensureSandboxCrowd(service.deps, sandboxCrowd(ACCURACIES));
});
afterAll(() => service?.close());

async function submitBatch(count: number, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: count }, (_, i) => imageTask({ metadata: { i }, ...overrides })) }, { apiKey: customer.apiKey });
  expect(res.status).toBe(202);
  return res.body.batch_id;
}

async function roundsUntilEmpty(concurrency: number): Promise<number> {
  let judgments = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const round = await labelSandboxRound(service.deps, crowd, { seed: SEED, limit: 50 });
        judgments += round.judgments;
        if (round.tasks.length === 0) return;
      }
    }),
  );
  return judgments;
}

describe("sandbox rounds", () => {
  it("label every task once under concurrent rounds: each wanted judgment given once, by distinct members, counted and billed once", async () => {
    const batchId = await submitBatch(600);
    const before = await service.deps.prisma.annotator.findMany({ where: { kind: "simulated" } });
    const judgments = await roundsUntilEmpty(4);
    const tasks = await service.deps.prisma.task.findMany({ where: { batchId }, include: { judgments: true, assignments: true } });
    expect(tasks.every((task) => task.status === "completed")).toBe(true);
    expect(judgments).toBe(tasks.length * 3);
    for (const task of tasks) {
      expect(task.judgmentCount).toBe(3);
      expect(task.judgments).toHaveLength(3);
      expect(new Set(task.judgments.map((j) => j.annotatorId)).size).toBe(3);
      expect(task.assignments.every((a) => a.status === "submitted")).toBe(true);
      // Each vote is that member's seeded answer, and the result is recorded with its votes.
      for (const judgment of task.judgments) {
        expect(judgment.answer).toEqual(simulatedAnswer(SEED, task, crowd.find((m) => m.id === judgment.annotatorId)!));
      }
      expect((task.aggregation as { votes: unknown[] }).votes).toHaveLength(3);
    }
    // The draw spreads the work over the whole crowd: each member judges about 3 tasks in 7.
    for (const member of crowd) {
      const share = tasks.filter((task) => task.judgments.some((j) => j.annotatorId === member.id)).length / tasks.length;
      expect(share, member.name).toBeGreaterThan(0.3);
      expect(share, member.name).toBeLessThan(0.56);
    }
    expect(await service.deps.prisma.billedLabel.count({ where: { taskId: { in: tasks.map((t) => t.id) } } })).toBe(600);
    const after = await service.deps.prisma.annotator.findMany({ where: { kind: "simulated" } });
    const counted = after.reduce((sum, a) => sum + a.judgmentCount, 0) - before.reduce((sum, a) => sum + a.judgmentCount, 0);
    expect(counted).toBe(1800);
    const batch = await service.rest.get(`/v1/batches/${batchId}`, { apiKey: customer.apiKey });
    expect(batch.body).toMatchObject({ status: "completed" });
    const batchEvents = await service.deps.prisma.event.count({ where: { type: "batch.completed", payload: { path: ["data", "batch_id"], equals: batchId } } });
    expect(batchEvents).toBe(1);
    expect(await service.deps.prisma.event.count({ where: { type: "task.completed", customerId: customer.customerId } })).toBeGreaterThanOrEqual(600);
  });

  it("asks for extra judgments below min_confidence, up to the cap, as the annotator API does", async () => {
    const batchId = await submitBatch(40, { min_confidence: 0.999 });
    await roundsUntilEmpty(1);
    const tasks = await service.deps.prisma.task.findMany({ where: { batchId } });
    expect(tasks.every((task) => task.status === "completed")).toBe(true);
    // A task stops at its min_confidence, or at the cap (3 + 4) short of it; most need more than 3 here.
    expect(tasks.filter((task) => task.confidence! < 0.999 && task.judgmentCount < 7)).toEqual([]);
    expect(tasks.filter((task) => task.judgmentCount > 7)).toEqual([]);
    expect(tasks.filter((task) => task.judgmentCount > 3).length).toBeGreaterThan(20);
    expect(tasks.filter((task) => task.targetJudgments !== task.judgmentCount).map((t) => [t.targetJudgments, t.judgmentCount])).toEqual([]);
  });
});
