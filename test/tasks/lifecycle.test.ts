// The task lifecycle: every way a task ends releases its assignments, refunds
// what was not labeled, and completes its batch exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { createAnnotator, makeLive, NEXT, SUBMIT } from "../support/annotators.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

let service: TestService;
let receiver: Receiver;
beforeAll(async () => {
  // Workers on for webhook delivery; these customers are live, so the sandbox crowd leaves their tasks alone.
  service = await startTestService({ env: { ROLE: "all" } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await service.close();
  await receiver.close();
});

async function liveCustomer(name: string): Promise<Customer> {
  const customer = await registerCustomer(service.rest, name);
  customer.apiKey = await makeLive(service.graphql, customer.customerId);
  return customer;
}

async function submitBatch(customer: Customer, count: number): Promise<{ batchId: string; taskIds: string[] }> {
  const res = await service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: count }, () => imageTask({ replication: 1 })) }, { apiKey: customer.apiKey });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const tasks = await service.graphql(`query($id: ID!) { batch(id: $id) { tasks(first: 10) { edges { node { id } } } } }`, { id: res.body.batch_id }, { apiKey: customer.apiKey });
  return { batchId: res.body.batch_id, taskIds: tasks.data.batch.tasks.edges.map((e: { node: { id: string } }) => e.node.id) };
}

async function claim(token: string): Promise<{ id: string; task: { taskId: string } }> {
  const next = await service.graphql(NEXT, {}, { apiKey: token });
  expect(next.data?.nextAssignment, JSON.stringify(next)).toBeTruthy();
  return next.data.nextAssignment;
}

describe("the task lifecycle", () => {
  it("cancels a claimed task: the assignment is released, the label refunded, and the batch completes with its counts", async () => {
    const customer = await liveCustomer("Cancel Co");
    const hook = await service.rest.post("/v1/webhooks", { callback_url: receiver.url, events: ["batch.completed"] }, { apiKey: customer.apiKey });
    expect(hook.status).toBe(201);
    const annotator = await createAnnotator(service.graphql, "cancel-tester");
    const { batchId } = await submitBatch(customer, 2);

    const first = await claim(annotator.token);
    const judged = await service.graphql(SUBMIT, { id: first.id, answer: { label: "a" } }, { apiKey: annotator.token });
    expect(judged.data.submitJudgment.data.taskStatus).toBe("COMPLETED");
    const second = await claim(annotator.token);
    const before = await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey });

    const canceled = await service.rest.post(`/v1/tasks/${second.task.taskId}/cancel`, {}, { apiKey: customer.apiKey });
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe("canceled");

    const late = await service.graphql(SUBMIT, { id: second.id, answer: { label: "a" } }, { apiKey: annotator.token });
    expect(late.data.submitJudgment.code).toBe("assignment_closed");
    const after = await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey });
    expect(after.body.labels_used).toBe(before.body.labels_used - 1);

    const batch = await service.rest.get(`/v1/batches/${batchId}`, { apiKey: customer.apiKey });
    expect(batch.body).toMatchObject({ status: "completed", counts: { completed: 1, canceled: 1, pending: 0, in_progress: 0, failed: 0 } });
    const [delivery] = await receiver.waitFor(1);
    expect(JSON.parse(delivery.body)).toMatchObject({ type: "batch.completed", data: { batch_id: batchId, status: "completed", counts: batch.body.counts } });
  });

  it("completes a batch exactly once when its last two tasks finish at the same moment", async () => {
    const customer = await liveCustomer("Race Co");
    const annotators = [await createAnnotator(service.graphql, "racer-1"), await createAnnotator(service.graphql, "racer-2")];
    // Repeated: the race is between two commits, and only sometimes close enough to matter.
    for (let round = 0; round < 15; round++) {
      const { batchId } = await submitBatch(customer, 2);
      const assignments = await Promise.all(annotators.map((a) => claim(a.token)));
      expect(new Set(assignments.map((a) => a.task.taskId)).size).toBe(2);
      const results = await Promise.all(
        assignments.map((a, i) => service.graphql(SUBMIT, { id: a.id, answer: { label: "b" } }, { apiKey: annotators[i].token })),
      );
      for (const result of results) expect(result.data.submitJudgment.data?.taskStatus, JSON.stringify(result)).toBe("COMPLETED");
      const batch = await service.rest.get(`/v1/batches/${batchId}`, { apiKey: customer.apiKey });
      expect(batch.body, `round ${round}`).toMatchObject({ status: "completed", counts: { completed: 2 } });
      const events = await service.deps.prisma.event.findMany({ where: { customerId: customer.customerId, type: "batch.completed" } });
      expect(events.filter((e) => (e.payload as { data: { batch_id: string } }).data.batch_id === batchId)).toHaveLength(1);
    }
  });
});
