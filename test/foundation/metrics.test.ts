// GET /metrics: Prometheus text a scraper reads, behind METRICS_TOKEN, with
// the numbers of what the service just did.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

const METRICS_TOKEN = "metrics-token-0123456789";

let service: TestService;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(200);
  service = await startTestService({ env: { ROLE: "all", METRICS_TOKEN } });
});
afterAll(async () => {
  await service.close();
  await receiver.close();
});

async function scrape(): Promise<string> {
  const res = await service.rest.get("/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

/** The value of one sample, e.g. sample(text, 'refinery_tasks{status="completed"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("asks for the token when METRICS_TOKEN is set", async () => {
    const missing = await service.rest.get("/metrics");
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("unauthorized");
    const wrong = await service.rest.get("/metrics", { headers: { authorization: "Bearer not-the-metrics-token" } });
    expect(wrong.status).toBe(401);
  });

  it("counts requests by route template, GraphQL operations, judgments, webhook outcomes and queues", async () => {
    const customer = await registerCustomer(service.rest, "Metrics Co");
    await service.rest.post("/v1/webhooks", { callback_url: receiver.url, events: ["task.completed"] }, { apiKey: customer.apiKey });
    const task = await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
    for (let i = 0; i < 3; i++) await service.rest.get(`/v1/tasks/${task.body.task_id}`, { apiKey: customer.apiKey });
    expect((await service.rest.get("/v1/tasks/tsk_missing", { apiKey: customer.apiKey })).status).toBe(404);
    await service.graphql("query Mine { me { id } }", {}, { apiKey: customer.apiKey });
    // The sandbox crowd labels the task; its task.completed reaches the receiver.
    await receiver.waitFor(1, 20_000);

    await expect
      .poll(async () => sample(await scrape(), 'refinery_webhook_attempts_total{outcome="succeeded"}'), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(1);
    const text = await scrape();
    expect(sample(text, 'refinery_http_request_duration_seconds_count{method="GET",route="/v1/tasks/:id",status="200"}')).toBe(3);
    expect(sample(text, 'refinery_http_request_duration_seconds_count{method="GET",route="/v1/tasks/:id",status="404"}')).toBe(1);
    expect(sample(text, 'refinery_http_request_duration_seconds_count{method="POST",route="/v1/tasks",status="202"}')).toBe(1);
    expect(text).not.toContain(task.body.task_id);
    expect(sample(text, 'refinery_graphql_operation_duration_seconds_count{type="query",field="me",outcome="ok"}')).toBe(1);
    expect(sample(text, 'refinery_judgments_total{workforce="simulated",task_status="completed"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'refinery_tasks{status="completed"}')).toBe(1);
    expect(sample(text, "refinery_webhook_deliveries_pending")).toBe(0);
    expect(sample(text, 'refinery_db_pool_connections{pool="requests",state="total"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'refinery_db_pool_connections{pool="workers",state="total"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, "nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
  });
});
