// Concurrent single submissions of one customer are committed in groups (one
// quota charge, one multi-row insert). What a customer sees must not change:
// each request its own task, the quota never oversold, gold never charged,
// and an over-quota group still creates exactly the tasks that fit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";
import { makeLive } from "../support/annotators.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

async function liveCustomer(quota: number) {
  const customer = await registerCustomer(service.rest, "Group Co");
  return makeLive(service.graphql, customer.customerId, quota);
}

const submitAtOnce = (apiKey: string, bodies: Record<string, unknown>[]) =>
  Promise.all(bodies.map((body) => service.rest.post("/v1/tasks", body, { apiKey })));

describe("concurrent POST /v1/tasks of one customer", () => {
  it("gives every request its own readable task, charged once", async () => {
    const apiKey = await liveCustomer(1_000);
    const answers = await submitAtOnce(apiKey, Array.from({ length: 60 }, (_, i) => imageTask({ priority: i % 5, data_url: `https://example.com/${i}.jpg` })));
    expect(answers.map((a) => a.status)).toEqual(new Array(60).fill(202));
    const ids = answers.map((a) => a.body.task_id);
    expect(new Set(ids).size).toBe(60);
    // Each answer is the task of its own request (its own data_url), pending.
    const tasks = await Promise.all(ids.map((id) => service.rest.get(`/v1/tasks/${id}`, { apiKey })));
    tasks.forEach((task, i) => expect(task.body).toMatchObject({ task_id: ids[i], status: "pending", data_url: `https://example.com/${i}.jpg` }));
    expect((await service.rest.get("/v1/customers/me", { apiKey })).body.labels_used).toBe(60);
  });

  it("never oversells the quota: exactly the labels left are created, the rest get 402", async () => {
    const apiKey = await liveCustomer(40);
    const answers = await submitAtOnce(apiKey, Array.from({ length: 100 }, () => imageTask()));
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 402);
    expect(accepted).toHaveLength(40);
    expect(refused).toHaveLength(60);
    for (const answer of refused) expect(answer.body.error).toMatchObject({ code: "quota_exceeded", remaining: 0, requested: 1 });
    expect(new Set(accepted.map((a) => a.body.task_id)).size).toBe(40);
    const me = (await service.rest.get("/v1/customers/me", { apiKey })).body;
    expect(me.labels_used).toBe(40);
    const listed = await service.rest.get("/v1/tasks?limit=100", { apiKey });
    expect(listed.body.data).toHaveLength(40);
  });

  it("does not charge gold tasks, in a group as alone", async () => {
    const apiKey = await liveCustomer(20);
    const bodies = Array.from({ length: 40 }, (_, i) => (i % 2 ? imageTask({ gold_answer: { label: "a" } }) : imageTask()));
    const answers = await submitAtOnce(apiKey, bodies);
    expect(answers.map((a) => a.status)).toEqual(new Array(40).fill(202));
    expect((await service.rest.get("/v1/customers/me", { apiKey })).body.labels_used).toBe(20);
  });

  it("keeps each customer's quota its own when their submissions interleave", async () => {
    const [first, second] = await Promise.all([liveCustomer(15), liveCustomer(25)]);
    const answers = await Promise.all([
      submitAtOnce(first, Array.from({ length: 30 }, () => imageTask())),
      submitAtOnce(second, Array.from({ length: 30 }, () => imageTask())),
    ]);
    expect(answers[0].filter((a) => a.status === 202)).toHaveLength(15);
    expect(answers[1].filter((a) => a.status === 202)).toHaveLength(25);
    const firstIds = new Set(answers[0].filter((a) => a.status === 202).map((a) => a.body.task_id));
    // Another customer's key sees none of the first one's tasks.
    for (const id of firstIds) expect((await service.rest.get(`/v1/tasks/${id}`, { apiKey: second })).status).toBe(404);
  });

  it("answers each request with its whole task, as a later read shows it", async () => {
    const apiKey = await liveCustomer(100);
    const answers = await submitAtOnce(apiKey, Array.from({ length: 20 }, (_, i) => imageTask({ metadata: { n: i } })));
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      const read = await service.rest.get(`/v1/tasks/${answer.body.task_id}`, { apiKey });
      expect(read.body).toMatchObject({ task_id: answer.body.task_id, status: "pending", created_at: answer.body.created_at });
    }
    // GraphQL's submitTask gets the same rows: JSON fields as JSON, not as text.
    const submitted = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        service.graphql(
          `mutation($input: SubmitTaskInput!) { submitTask(input: $input) { ... on MutationSubmitTaskSuccess { data { id labelSpec metadata priority createdAt } } } }`,
          { input: { type: "IMAGE_CLASSIFICATION", dataUrl: "https://example.com/g.jpg", labelSpec: { question: "Q?", options: ["a", "b"] }, metadata: { n: i }, priority: 3 } },
          { apiKey },
        ),
      ),
    );
    submitted.forEach((result, i) =>
      expect(result.data.submitTask.data).toMatchObject({ labelSpec: { question: "Q?", options: ["a", "b"] }, metadata: { n: i }, priority: 3 }),
    );
  });

  it("charges a sandbox key's submissions to the sandbox quota", async () => {
    const { apiKey } = await registerCustomer(service.rest, "Sandbox Group Co");
    const answers = await submitAtOnce(apiKey, Array.from({ length: 30 }, () => imageTask()));
    expect(answers.map((a) => a.status)).toEqual(new Array(30).fill(202));
    expect((await service.rest.get("/v1/customers/me", { apiKey })).body).toMatchObject({ labels_used: 30, label_quota: 500 });
  });

  it("still creates gold tasks once the quota is used up, and charges nothing for them", async () => {
    const apiKey = await liveCustomer(3);
    expect((await submitAtOnce(apiKey, Array.from({ length: 3 }, () => imageTask()))).map((a) => a.status)).toEqual([202, 202, 202]);
    const gold = await submitAtOnce(apiKey, Array.from({ length: 20 }, () => imageTask({ gold_answer: { label: "a" } })));
    expect(gold.map((a) => a.status)).toEqual(new Array(20).fill(202));
    expect((await service.rest.post("/v1/tasks", imageTask(), { apiKey })).status).toBe(402);
    expect((await service.rest.get("/v1/customers/me", { apiKey })).body.labels_used).toBe(3);
  });

  it("charges exactly the tasks created when batches and single submissions race for the last labels", async () => {
    const apiKey = await liveCustomer(100);
    const me = await service.rest.get("/v1/customers/me", { apiKey });
    const [batches, singles] = await Promise.all([
      Promise.all(Array.from({ length: 5 }, () => service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: 15 }, () => imageTask()) }, { apiKey }))),
      submitAtOnce(apiKey, Array.from({ length: 40 }, () => imageTask())),
    ]);
    for (const answer of [...batches, ...singles]) expect([202, 402]).toContain(answer.status);
    const created =
      batches.filter((a) => a.status === 202).length * 15 + singles.filter((a) => a.status === 202).length;
    const used = (await service.rest.get("/v1/customers/me", { apiKey })).body.labels_used;
    expect(used).toBe(created);
    expect(used).toBeLessThanOrEqual(100);
    const tasks = await service.deps.prisma.task.count({ where: { customerId: me.body.customer_id } });
    expect(tasks).toBe(created);
  });
});

