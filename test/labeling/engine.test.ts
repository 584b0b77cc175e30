import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { createAnnotator, makeLive, NEXT, RELEASE, SUBMIT } from "../support/annotators.js";

let service: TestService;
let live: Customer;
beforeAll(async () => {
  service = await startTestService();
  live = await registerCustomer(service.rest, "Live Co");
  live.apiKey = await makeLive(service.graphql, live.customerId);
});
afterAll(() => service.close());

async function submit(body: Record<string, unknown>, customer = live) {
  const res = await service.rest.post("/v1/tasks", body, { apiKey: customer.apiKey });
  expect(res.status).toBe(202);
  return res.body.task_id as string;
}

/** Claims and answers the next task for each annotator in turn. */
async function judge(token: string, answer: (task: any) => unknown) {
  const next = await service.graphql(NEXT, {}, { apiKey: token });
  const assignment = next.data.nextAssignment;
  if (!assignment) return null;
  const result = await service.graphql(SUBMIT, { id: assignment.id, answer: answer(assignment.task) }, { apiKey: token });
  return { assignment, result: result.data.submitJudgment };
}

/** Drains the human queue so each test starts from its own tasks. */
async function drainQueue() {
  await service.deps.prisma.task.updateMany({ where: { status: { in: ["pending", "in_progress"] } }, data: { status: "canceled" } });
}

describe("the annotator API", () => {
  it("requires an annotator token, and only an operator creates annotators", async () => {
    const asCustomer = await service.graphql(NEXT, {}, { apiKey: live.apiKey });
    expect(asCustomer.errors?.[0]).toMatchObject({ message: "this operation needs an annotator token, not an API key", extensions: { code: "unauthorized" } });
    const byCustomer = await service.graphql(`mutation { createAnnotator(name: "x") { __typename ... on AppError { code message } } }`, {}, { apiKey: live.apiKey });
    const refusal = byCustomer.data?.createAnnotator ?? { code: byCustomer.errors?.[0].extensions?.code, message: byCustomer.errors?.[0].message };
    expect(refusal).toMatchObject({ code: "unauthorized", message: "this operation needs the operator's ADMIN_TOKEN, not an API key" });
  });

  it("completes a task after `replication` judgments, aggregated, with an event in the outbox", async () => {
    await drainQueue();
    // Status changes as subscribers see them.
    const statuses: { taskId: string; status: string }[] = [];
    const stream = service.deps.pubsub.subscribe("customer:tasks", `${live.customerId}:live`);
    void (async () => {
      for await (const event of stream) statuses.push(event);
    })();
    const taskId = await submit(imageTask({ replication: 3, priority: 10 }));
    const annotators = await Promise.all(["a1", "a2", "a3"].map((n) => createAnnotator(service.graphql, n)));
    const answers = ["a", "a", "b"];
    const outcomes = [];
    for (const [i, annotator] of annotators.entries()) outcomes.push(await judge(annotator.token, () => ({ label: answers[i] })));
    expect(outcomes.map((o) => o!.assignment.task.taskId)).toEqual([taskId, taskId, taskId]);
    expect(outcomes.map((o) => o!.result.data.taskStatus)).toEqual(["IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]);

    const result = await service.rest.get(`/v1/tasks/${taskId}/result`, { apiKey: live.apiKey });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ task_id: taskId, status: "completed", result: { label: "a" }, judgments: 3 });
    expect(statuses.filter((e) => e.taskId === taskId).map((e) => e.status)).toEqual(["pending", "in_progress", "completed"]);
    expect(result.body.confidence).toBeGreaterThan(0.5);
    expect(result.body.confidence).toBeLessThan(1);
    expect(result.body.aggregation.method).toBe("weighted_vote");
    expect(result.body.aggregation.votes).toHaveLength(3);
    const events = await service.deps.prisma.event.findMany({ where: { customerId: live.customerId, type: "task.completed" } });
    expect(events.map((e) => (e.payload as any).data.task_id)).toContain(taskId);
    await stream.return?.();
  });

  it("never gives one annotator the same task twice, and refuses a second judgment", async () => {
    await drainQueue();
    const taskId = await submit(imageTask({ replication: 2 }));
    const annotator = await createAnnotator(service.graphql, "solo");
    const first = await judge(annotator.token, () => ({ label: "a" }));
    expect(first!.assignment.task.taskId).toBe(taskId);
    expect((await service.graphql(NEXT, {}, { apiKey: annotator.token })).data.nextAssignment).toBeNull();
    const again = await service.graphql(SUBMIT, { id: first!.assignment.id, answer: { label: "b" } }, { apiKey: annotator.token });
    expect(again.data.submitJudgment.code).toBe("assignment_closed");
  });

  it("validates answers against the task's label_spec", async () => {
    await drainQueue();
    await submit(imageTask({ replication: 1 }));
    const annotator = await createAnnotator(service.graphql, "careless");
    const next = (await service.graphql(NEXT, {}, { apiKey: annotator.token })).data.nextAssignment;
    const bad = await service.graphql(SUBMIT, { id: next.id, answer: { label: "zebra" } }, { apiKey: annotator.token });
    expect(bad.data.submitJudgment).toMatchObject({ code: "invalid_request" });
    expect(bad.data.submitJudgment.details.errors[0].path).toBe("answer.label");
    const good = await service.graphql(SUBMIT, { id: next.id, answer: { label: "b" } }, { apiKey: annotator.token });
    expect(good.data.submitJudgment.data.taskStatus).toBe("COMPLETED");
  });

  it("orders claims by priority, then age, and filters by type", async () => {
    await drainQueue();
    const low = await submit(imageTask({ priority: 1, replication: 1 }));
    const high = await submit(imageTask({ priority: 9, replication: 1 }));
    const text = await submit({ type: "text_classification", data: "t", label_spec: { question: "Q", options: ["x", "y"] }, priority: 10, replication: 1 });
    const annotator = await createAnnotator(service.graphql, "picky");
    const byType = (await service.graphql(NEXT, { types: ["IMAGE_CLASSIFICATION"] }, { apiKey: annotator.token })).data.nextAssignment;
    expect(byType.task.taskId).toBe(high);
    const other = await createAnnotator(service.graphql, "any");
    expect((await service.graphql(NEXT, {}, { apiKey: other.token })).data.nextAssignment.task.taskId).toBe(text);
    expect((await service.graphql(NEXT, {}, { apiKey: other.token })).data.nextAssignment.task.taskId).toBe(low);
  });

  it("returns a released or expired lease's slot to the queue", async () => {
    await drainQueue();
    const taskId = await submit(imageTask({ replication: 1 }));
    const [first, second, third] = await Promise.all(["r1", "r2", "r3"].map((n) => createAnnotator(service.graphql, n)));
    const claimed = (await service.graphql(NEXT, {}, { apiKey: first.token })).data.nextAssignment;
    expect(claimed.task.taskId).toBe(taskId);
    expect((await service.graphql(NEXT, {}, { apiKey: second.token })).data.nextAssignment).toBeNull();
    expect((await service.graphql(RELEASE, { id: claimed.id }, { apiKey: first.token })).data.releaseAssignment.__typename).not.toBe("AppError");
    const reclaimed = (await service.graphql(NEXT, {}, { apiKey: second.token })).data.nextAssignment;
    expect(reclaimed.task.taskId).toBe(taskId);

    // The lease runs out (as if 10 minutes passed): the slot is free again and the late judgment is refused.
    await service.deps.prisma.assignment.update({ where: { id: reclaimed.id }, data: { leasedUntil: new Date(Date.now() - 1000) } });
    expect((await service.graphql(NEXT, {}, { apiKey: third.token })).data.nextAssignment.task.taskId).toBe(taskId);
    const late = await service.graphql(SUBMIT, { id: reclaimed.id, answer: { label: "a" } }, { apiKey: second.token });
    expect(late.data.submitJudgment.code).toBe("lease_expired");
  });

  it("lets parallel annotators claim without double-claiming a slot or losing a judgment", async () => {
    await drainQueue();
    const taskIds: string[] = [];
    for (let i = 0; i < 12; i++) taskIds.push(await submit(imageTask({ replication: 2 })));
    const annotators = await Promise.all(Array.from({ length: 6 }, (_, i) => createAnnotator(service.graphql, `p${i}`)));
    // Every annotator works, all at once, until every task is completed. An empty
    // answer may be momentary (claims skip the task rows other claims and
    // judgments hold locked): it ends an annotator's work only once all is done.
    const allCompleted = async () => (await service.deps.prisma.task.count({ where: { id: { in: taskIds }, status: { not: "completed" } } })) === 0;
    const work = annotators.map(async (annotator) => {
      let done = 0;
      for (;;) {
        const outcome = await judge(annotator.token, () => ({ label: "a" }));
        if (!outcome && (await allCompleted())) return done;
        if (!outcome) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        expect(outcome.result.__typename).toBe("MutationSubmitJudgmentSuccess");
        done++;
      }
    });
    const counts = await Promise.all(work);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(24);
    const tasks = await service.deps.prisma.task.findMany({ where: { id: { in: taskIds } }, include: { judgments: true } });
    for (const task of tasks) {
      expect(task.status).toBe("completed");
      expect(task.judgments).toHaveLength(2);
      expect(new Set(task.judgments.map((j) => j.annotatorId)).size).toBe(2);
    }
  });

  it("at load, 50 annotators on one 300-task batch: every task gets exactly its judgments, the batch completes once, a double submit is refused", async () => {
    await drainQueue();
    const batch = await service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: 300 }, () => imageTask({ replication: 3 })) }, { apiKey: live.apiKey });
    expect(batch.status).toBe(202);
    const batchId = batch.body.batch_id as string;
    const annotators = await Promise.all(Array.from({ length: 50 }, (_, i) => createAnnotator(service.graphql, `load${i}`)));
    const refusals: string[] = [];
    let doubleSubmits = 0;
    const allEnded = async () => (await service.deps.prisma.task.count({ where: { batchId, status: { not: "completed" } } })) === 0;
    const work = annotators.map(async (annotator, index) => {
      let done = 0;
      for (;;) {
        const next = await service.graphql(NEXT, {}, { apiKey: annotator.token });
        expect(next.errors, JSON.stringify(next.errors)).toBeUndefined();
        const assignment = next.data.nextAssignment;
        if (!assignment) {
          if (await allEnded()) return done;
          await new Promise((resolve) => setTimeout(resolve, 10));
          continue;
        }
        const answer = { label: (index + done) % 4 === 0 ? "b" : "a" };
        // Some annotators send their answer twice at once (a double click): one is recorded.
        const sends = index % 10 === 0 ? 2 : 1;
        const results = await Promise.all(
          Array.from({ length: sends }, () => service.graphql(SUBMIT, { id: assignment.id, answer }, { apiKey: annotator.token })),
        );
        for (const result of results) {
          expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
          const outcome = result.data.submitJudgment;
          if (outcome.__typename === "MutationSubmitJudgmentSuccess") done++;
          else refusals.push(outcome.code);
        }
        if (sends === 2) doubleSubmits++;
      }
    });
    const counts = await Promise.all(work);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(900);
    // Each double submit: exactly one refused, as assignment_closed.
    expect([...new Set(refusals)], refusals.join(",")).toEqual(["assignment_closed"]);
    expect(refusals).toHaveLength(doubleSubmits);
    const tasks = await service.deps.prisma.task.findMany({ where: { batchId }, include: { judgments: true } });
    expect(tasks).toHaveLength(300);
    for (const task of tasks) {
      expect(task.status).toBe("completed");
      expect(task.judgmentCount).toBe(3);
      expect(task.judgments).toHaveLength(3);
      expect(new Set(task.judgments.map((j) => j.annotatorId)).size).toBe(3);
    }
    const ids = annotators.map((a) => a.id);
    const counted = await service.deps.prisma.annotator.aggregate({ where: { id: { in: ids } }, _sum: { judgmentCount: true } });
    expect(counted._sum.judgmentCount).toBe(900);
    expect((await service.rest.get(`/v1/batches/${batchId}`, { apiKey: live.apiKey })).body).toMatchObject({ status: "completed", counts: { completed: 300 } });
    const batchEvents = await service.deps.prisma.event.findMany({ where: { customerId: live.customerId, type: "batch.completed" } });
    expect(batchEvents.filter((event) => (event.payload as any).data.batch_id === batchId)).toHaveLength(1);
  });

  it("scores annotators on gold tasks and shows operators their reliability", async () => {
    await drainQueue();
    const gold = [];
    for (let i = 0; i < 3; i++) gold.push(await submit(imageTask({ replication: 2, gold_answer: { label: "a" } })));
    const [good, bad] = await Promise.all(["gold-good", "gold-bad"].map((n) => createAnnotator(service.graphql, n)));
    for (let i = 0; i < 3; i++) {
      await judge(good.token, () => ({ label: "a" }));
      await judge(bad.token, () => ({ label: "b" }));
    }
    const view = await service.graphql(`{ annotators { id reliability { goldTotal goldCorrect goldAccuracy quality } } }`, {}, { apiKey: TEST_ADMIN_TOKEN });
    const byId = new Map(view.data.annotators.map((a: any) => [a.id, a.reliability]));
    expect(byId.get(good.id)).toMatchObject({ goldTotal: 3, goldCorrect: 3, goldAccuracy: 1 });
    expect(byId.get(bad.id)).toMatchObject({ goldTotal: 3, goldCorrect: 0, goldAccuracy: 0 });
    expect((byId.get(good.id) as any).quality).toBeGreaterThan((byId.get(bad.id) as any).quality);
    // Gold tasks are never billed.
    expect((await service.rest.get("/v1/customers/me", { apiKey: live.apiKey })).body.labels_used).toBeGreaterThan(0);
    const goldTasks = await service.deps.prisma.task.findMany({ where: { id: { in: gold } } });
    expect(goldTasks.every((t) => !t.billable)).toBe(true);
  });

  it("asks for extra judgments while confidence is below min_confidence", async () => {
    await drainQueue();
    const taskId = await submit(imageTask({ replication: 2, min_confidence: 0.95 }));
    const annotators = await Promise.all(["m1", "m2", "m3", "m4", "m5", "m6", "m7"].map((n) => createAnnotator(service.graphql, n)));
    const answers = ["a", "b", "a", "a", "a", "a", "a"];
    let judged = 0;
    for (const [i, annotator] of annotators.entries()) {
      const outcome = await judge(annotator.token, () => ({ label: answers[i] }));
      if (!outcome) break;
      judged++;
      if (outcome.result.data.taskStatus === "COMPLETED") break;
    }
    const result = await service.rest.get(`/v1/tasks/${taskId}/result`, { apiKey: live.apiKey });
    expect(result.status).toBe(200);
    expect(judged).toBeGreaterThan(2);
    expect(result.body.judgments).toBe(judged);
    expect(result.body.result).toEqual({ label: "a" });
  });

  it("completes a batch when its last task completes", async () => {
    await drainQueue();
    const batch = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask({ replication: 1 }), imageTask({ replication: 1 })] }, { apiKey: live.apiKey });
    const annotator = await createAnnotator(service.graphql, "batcher");
    await judge(annotator.token, () => ({ label: "a" }));
    expect((await service.rest.get(`/v1/batches/${batch.body.batch_id}`, { apiKey: live.apiKey })).body.status).toBe("pending");
    await judge(annotator.token, () => ({ label: "b" }));
    const done = await service.rest.get(`/v1/batches/${batch.body.batch_id}`, { apiKey: live.apiKey });
    expect(done.body).toMatchObject({ status: "completed", counts: { completed: 2 } });
    const events = await service.deps.prisma.event.findMany({ where: { customerId: live.customerId, type: "batch.completed" } });
    expect(events.some((e) => (e.payload as any).data.batch_id === batch.body.batch_id)).toBe(true);
  });

  it("fails a task that half its annotators cannot label: not billed, task.failed event", async () => {
    await drainQueue();
    const before = (await service.rest.get("/v1/customers/me", { apiKey: live.apiKey })).body.labels_used;
    const taskId = await submit(imageTask({ replication: 3 }));
    const [a, b] = await Promise.all(["broken1", "broken2"].map((n) => createAnnotator(service.graphql, n)));
    const PROBLEM = `mutation($id: ID!, $reason: String!) { reportProblem(assignmentId: $id, reason: $reason) {
      ... on MutationReportProblemSuccess { data { taskStatus } } ... on AppError { code } } }`;
    const first = (await service.graphql(NEXT, {}, { apiKey: a.token })).data.nextAssignment;
    const one = await service.graphql(PROBLEM, { id: first.id, reason: "image does not load" }, { apiKey: a.token });
    expect(one.data.reportProblem.data.taskStatus).toBe("IN_PROGRESS");
    const second = (await service.graphql(NEXT, {}, { apiKey: b.token })).data.nextAssignment;
    expect(second.task.taskId).toBe(taskId);
    const two = await service.graphql(PROBLEM, { id: second.id, reason: "image does not load" }, { apiKey: b.token });
    expect(two.data.reportProblem.data.taskStatus).toBe("FAILED");

    const result = await service.rest.get(`/v1/tasks/${taskId}/result`, { apiKey: live.apiKey });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: "failed", result: null, failure_reason: expect.stringMatching(/image does not load/) });
    expect((await service.rest.get("/v1/customers/me", { apiKey: live.apiKey })).body.labels_used).toBe(before);
    const events = await service.deps.prisma.event.findMany({ where: { customerId: live.customerId, type: "task.failed" } });
    expect(events.map((e) => (e.payload as any).data.task_id)).toContain(taskId);
  });

  it("keeps sandbox tasks away from human annotators", async () => {
    await drainQueue();
    const sandbox = await registerCustomer(service.rest, "Sandbox Co");
    await submit(imageTask(), sandbox);
    const annotator = await createAnnotator(service.graphql, "human");
    expect((await service.graphql(NEXT, {}, { apiKey: annotator.token })).data.nextAssignment).toBeNull();
  });
});
