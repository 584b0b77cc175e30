// pairwise_preference end to end: tasks with a prompt and two responses are
// labeled by the sandbox crowd, whose simulated truth prefers the response of
// higher hidden strength; the batch's (and a job's) ranking must put the
// responses in that order. Also the data's checks and tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulatedStrength } from "../../src/domain/tasks/index.js";
import { makeLive } from "../support/annotators.js";
import { registerCustomer, type Customer } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/harness.js";
import { S3_ACCESS_KEY_ID, S3_REGION, S3_SECRET_ACCESS_KEY, startS3Server, type S3Server } from "../support/s3.js";

let service: TestService;
let s3: S3Server;
let customer: Customer;
beforeAll(async () => {
  s3 = await startS3Server();
  service = await startTestService({ env: { ROLE: "all", SANDBOX_SEED: "3", S3_ENDPOINT: s3.endpoint } });
  customer = await registerCustomer(service.rest, "Preference Co");
}, 60_000);
afterAll(async () => {
  await service.close();
  await s3.close();
});

const SPEC = { question: "Which answer is more helpful?", strength_labels: ["slightly", "much"] };

/** Three model names whose hidden strengths are well apart (at least 1.1), strongest first: 40 games a pair order them surely. */
function threeModels(): string[] {
  const names = Array.from({ length: 200 }, (_, i) => `model-${i}`);
  const near = (target: number) => names.reduce((best, name) => (Math.abs(simulatedStrength(name) - target) < Math.abs(simulatedStrength(best) - target) ? name : best));
  const picked = [near(2.9), near(1.5), near(0.1)];
  expect(simulatedStrength(picked[0]) - simulatedStrength(picked[1])).toBeGreaterThan(1.1);
  expect(simulatedStrength(picked[1]) - simulatedStrength(picked[2])).toBeGreaterThan(1.1);
  return picked;
}

/** Every pair of `models` `games` times, each side first half the time. */
function pairs(models: string[], games: number) {
  const data = [];
  for (let i = 0; i < models.length; i++)
    for (let j = i + 1; j < models.length; j++)
      for (let g = 0; g < games; g++) {
        const [first, second] = g % 2 ? [models[j], models[i]] : [models[i], models[j]];
        data.push({ prompt: `Prompt ${g}`, responses: [{ id: first, text: `${first}'s answer to prompt ${g}` }, { id: second, text: `${second}'s answer to prompt ${g}` }] });
      }
  return data;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not finish`);
}

describe("pairwise_preference", () => {
  it("takes the prompt and responses as an object, gives them back so, and names what is wrong with bad data", async () => {
    const data = { prompt: "2 + 2?", responses: [{ id: "a1", text: "4" }, { text: "5" }] };
    const created = await service.rest.post("/v1/tasks", { type: "pairwise_preference", data, label_spec: SPEC }, { apiKey: customer.apiKey });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const task = await service.rest.get(`/v1/tasks/${created.body.task_id}`, { apiKey: customer.apiKey });
    expect(task.body.data).toEqual(data);
    // Its JSON text is accepted too (GraphQL's data is a String).
    const asText = await service.rest.post("/v1/tasks", { type: "pairwise_preference", data: JSON.stringify(data), label_spec: SPEC }, { apiKey: customer.apiKey });
    expect(asText.status).toBe(202);

    const bad = async (body: Record<string, unknown>) => {
      const res = await service.rest.post("/v1/tasks", { type: "pairwise_preference", label_spec: SPEC, ...body }, { apiKey: customer.apiKey });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      return res.body.error.errors.map((e: { path: string }) => e.path);
    };
    expect(await bad({ data: { prompt: "x", responses: [{ text: "only one" }] } })).toContain("data.responses");
    expect(await bad({ data: { prompt: "", responses: [{ text: "a" }, { text: "b" }] } })).toContain("data.prompt");
    expect(await bad({ data: "not json" })).toEqual(["data"]);
    expect(await bad({ data_url: "https://example.com/pair.json" })).toEqual(["data_url"]);
    // A judgment without the strength the spec asks for is refused (as a gold answer here).
    expect(await bad({ data, gold_answer: { choice: "a" } })).toEqual(["gold_answer.strength"]);
    expect(await bad({ data, gold_answer: { choice: "tie", strength: 1 } })).toEqual(["gold_answer.choice"]);
    // Text types still refuse an object.
    const text = await service.rest.post("/v1/tasks", { type: "text_classification", data: { a: 1 }, label_spec: { question: "?", options: ["x", "y"] } }, { apiKey: customer.apiKey });
    expect(text.status).toBe(400);
    expect(text.body.error.errors[0]).toMatchObject({ path: "data", message: "must be a string for text_classification" });
  });

  it("ranks a batch's responses by the sandbox crowd's preferences, the same in REST and GraphQL, and only for its owner", async () => {
    const models = threeModels();
    const tasks = pairs(models, 40).map((data) => ({ type: "pairwise_preference", data, label_spec: SPEC }));
    const submitted = await service.rest.post("/v1/tasks/batch", { tasks }, { apiKey: customer.apiKey });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const batchId = submitted.body.batch_id;
    await waitFor(() => service.rest.get(`/v1/batches/${batchId}`, { apiKey: customer.apiKey }), (res) => res.body.status === "completed", "the batch");

    const ranking = await service.rest.get(`/v1/batches/${batchId}/ranking`, { apiKey: customer.apiKey });
    expect(ranking.status).toBe(200);
    expect(ranking.body.comparisons).toBe(120);
    expect(ranking.body.items.map((item: { id: string }) => item.id)).toEqual(models);
    expect(ranking.body.items.map((item: { rank: number }) => item.rank)).toEqual([1, 2, 3]);
    for (const item of ranking.body.items) expect(item.wins + item.losses + item.ties).toBe(80);
    expect(ranking.body.items[0].score).toBeGreaterThan(0);
    expect(ranking.body.items[2].score).toBeLessThan(0);

    const viaGraphql = await service.graphql(`query($id: ID!) { batch(id: $id) { ranking { comparisons items { id score rank wins losses ties } } } }`, { id: batchId }, { apiKey: customer.apiKey });
    expect(viaGraphql.errors).toBeUndefined();
    expect(viaGraphql.data.batch.ranking).toEqual(ranking.body);

    const other = await registerCustomer(service.rest, "Other Co");
    expect((await service.rest.get(`/v1/batches/${batchId}/ranking`, { apiKey: other.apiKey })).status).toBe(404);
    const live = await makeLive(service.graphql, customer.customerId);
    expect((await service.rest.get(`/v1/batches/${batchId}/ranking`, { apiKey: live })).status).toBe(404);
  });

  it("reads a job's manifest lines whose source is the pair, and ranks the job", async () => {
    const models = threeModels();
    const lines = pairs(models, 20).map((source, i) => JSON.stringify({ source, id: i }));
    await s3.put("pairs.jsonl", `${lines.join("\n")}\n${JSON.stringify({ source: { prompt: "x" } })}\n`);
    const job = await service.rest.post(
      "/v1/jobs",
      { manifest_url: `s3://${s3.bucket}/pairs.jsonl`, label_spec: SPEC, s3_credentials: { access_key_id: S3_ACCESS_KEY_ID, secret_access_key: S3_SECRET_ACCESS_KEY, region: S3_REGION } },
      { apiKey: customer.apiKey },
    );
    expect(job.status, JSON.stringify(job.body)).toBe(202);
    const done = await waitFor(() => service.rest.get(`/v1/jobs/${job.body.job_id}`, { apiKey: customer.apiKey }), (res) => res.body.status === "completed", "the job");
    // The type is inferred from the spec's strength_labels; the malformed last line is reported, not fatal.
    expect(done.body.counts).toMatchObject({ total_lines: 61, tasks_created: 60, invalid_lines: 1, completed: 60 });
    expect(done.body.line_errors[0]).toMatchObject({ line: 61, reason: expect.stringMatching(/^source\.responses: /) });
    const ranking = await service.rest.get(`/v1/jobs/${job.body.job_id}/ranking`, { apiKey: customer.apiKey });
    expect(ranking.body.comparisons).toBe(60);
    expect(ranking.body.items.map((item: { id: string }) => item.id)).toEqual(models);
  });
});
