// The dashboard reads rollups that database triggers keep. These tests hold
// them against the tasks themselves, counted directly: through every kind of
// write (single, batch, labeling by the sandbox crowd with extra judgments and
// gold, cancel), across compaction, and with compaction racing the writers.
import { randomBytes } from "node:crypto";
import { encodeTime } from "ulid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { makeLive } from "../support/annotators.js";
import { compactRollups, getOverview } from "../../src/domain/dashboard/index.js";

let service: TestService;
let customer: Customer;
beforeAll(async () => {
  service = await startTestService({ env: { ROLE: "all", SANDBOX_SEED: "11" } });
  customer = await registerCustomer(service.rest, "Rollup Co");
});
afterAll(() => service.close());

const textTask = (overrides: Record<string, unknown> = {}) => ({
  type: "text_classification",
  data: "fine",
  label_spec: { question: "Sentiment?", options: ["pos", "neg", "neutral"] },
  ...overrides,
});

/** The dashboard's numbers computed from the tasks and judgments, the slow way. */
async function countedFromTasks(customerId: string) {
  const db = service.deps.prisma;
  const statuses = await db.$queryRaw<{ status: string; count: number }[]>`
    SELECT status, count(*)::int AS count FROM tasks WHERE customer_id = ${customerId} GROUP BY status ORDER BY status`;
  const quality = await db.$queryRaw<{ type: string; completed: number; extra: number; judgments: number; agreeing: number; gold: number; goldCorrect: number }[]>`
    SELECT t.type, count(DISTINCT t.id)::int AS completed,
           count(DISTINCT t.id) FILTER (WHERE t.judgment_count > t.replication)::int AS extra,
           count(j.id)::int AS judgments, count(j.id) FILTER (WHERE j.answer = t.result)::int AS agreeing,
           count(j.id) FILTER (WHERE t.gold_answer IS NOT NULL)::int AS gold,
           count(j.id) FILTER (WHERE j.answer = t.gold_answer)::int AS "goldCorrect"
    FROM tasks t JOIN judgments j ON j.task_id = t.id
    WHERE t.customer_id = ${customerId} AND t.status = 'completed' GROUP BY t.type ORDER BY t.type`;
  const histogram = await db.$queryRaw<{ type: string; bin: number; count: number }[]>`
    SELECT type, least(width_bucket(confidence, 0, 1, 10), 10)::int AS bin, count(*)::int AS count
    FROM tasks WHERE customer_id = ${customerId} AND status = 'completed' GROUP BY 1, 2`;
  const daily = await db.$queryRaw<{ submitted: number; completed: number; labels: number }[]>`
    SELECT (SELECT count(*)::int FROM tasks WHERE customer_id = ${customerId}) AS submitted,
           (SELECT count(*)::int FROM tasks WHERE customer_id = ${customerId} AND status = 'completed') AS completed,
           (SELECT count(*)::int FROM billed_labels WHERE customer_id = ${customerId}) AS labels`;
  return { statuses, quality, histogram, daily: daily[0] };
}

/** The same numbers as the API gives them. */
async function shownByApi(apiKey: string) {
  const [overview, quality, usage, billing] = await Promise.all(
    ["/v1/dashboard/overview", "/v1/dashboard/quality", "/v1/dashboard/usage", "/v1/billing/usage"].map((path) => service.rest.get(path, { apiKey })),
  );
  return {
    statuses: Object.entries(overview.body.counts as Record<string, number>)
      .filter(([, count]) => count > 0)
      .map(([status, count]) => ({ status, count }))
      .sort((a, b) => a.status.localeCompare(b.status)),
    quality: quality.body.task_types,
    submitted: usage.body.days.reduce((sum: number, day: { submitted: number }) => sum + day.submitted, 0),
    completed: usage.body.days.reduce((sum: number, day: { completed: number }) => sum + day.completed, 0),
    labels: billing.body.total_labels,
  };
}

function expectAgreement(api: Awaited<ReturnType<typeof shownByApi>>, counted: Awaited<ReturnType<typeof countedFromTasks>>) {
  expect(api.statuses).toEqual(counted.statuses);
  expect(api.submitted).toBe(counted.daily.submitted);
  expect(api.completed).toBe(counted.daily.completed);
  expect(api.labels).toBe(counted.daily.labels);
  expect(api.quality.map((q: { task_type: string }) => q.task_type)).toEqual(counted.quality.map((q) => q.type));
  for (const row of counted.quality) {
    const shown = api.quality.find((q: { task_type: string }) => q.task_type === row.type);
    const bins = new Array<number>(10).fill(0);
    for (const bin of counted.histogram.filter((b) => b.type === row.type)) bins[Math.max(1, bin.bin) - 1] += bin.count;
    expect(shown).toMatchObject({
      completed: row.completed,
      agreement: Math.round((row.agreeing / row.judgments) * 10_000) / 10_000,
      gold_accuracy: row.gold === 0 ? null : Math.round((row.goldCorrect / row.gold) * 10_000) / 10_000,
      extra_judgment_share: Math.round((row.extra / row.completed) * 10_000) / 10_000,
      confidence_histogram: bins,
    });
  }
}

async function rollupRowsPerKey() {
  return service.deps.prisma.$queryRaw<{ most: number }[]>`
    SELECT greatest(
      (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM task_stats GROUP BY customer_id, type, status, confidence_bin) s),
      (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM task_hourly_stats GROUP BY customer_id, type, hour) s),
      (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM billing_daily_stats GROUP BY customer_id, day, type, tier, unit_price) s)
    )::int AS most`;
}

async function waitForBatches(apiKey: string, batchIds: string[]) {
  for (let i = 0; i < 600; i++) {
    const batches = await Promise.all(batchIds.map((id) => service.rest.get(`/v1/batches/${id}`, { apiKey })));
    if (batches.every((b) => b.body.status === "completed")) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the batches did not complete");
}

describe("the dashboard's rollups", () => {
  it("agree with the tasks through submission, labeling, extra judgments, gold and cancelation, before and after compaction", async () => {
    const apiKey = customer.apiKey;
    const single = await service.rest.post("/v1/tasks", textTask(), { apiKey });
    const batch = await service.rest.post(
      "/v1/tasks/batch",
      {
        tasks: [
          ...Array.from({ length: 12 }, (_, i) => imageTask({ min_confidence: i % 2 ? 0.99 : undefined })),
          ...Array.from({ length: 6 }, () => textTask({ gold_answer: { label: "pos" } })),
          ...Array.from({ length: 6 }, () => textTask()),
        ],
      },
      { apiKey },
    );
    expect(batch.status).toBe(202);
    await Promise.all(batch.body.task_ids.slice(0, 3).map((id: string) => service.rest.post(`/v1/tasks/${id}/cancel`, {}, { apiKey })));
    await waitForBatches(apiKey, [batch.body.batch_id]);
    const left = await service.rest.get(`/v1/tasks/${single.body.task_id}`, { apiKey });
    if (left.body.status !== "completed") await service.rest.post(`/v1/tasks/${single.body.task_id}/cancel`, {}, { apiKey });

    const counted = await countedFromTasks(customer.customerId);
    // The crowd disagreed at times and gold was checked: the numbers are not trivial.
    expect(counted.quality.some((q) => q.agreeing < q.judgments)).toBe(true);
    expect(counted.quality.some((q) => q.extra > 0)).toBe(true);
    expect(counted.quality.some((q) => q.gold > 0)).toBe(true);
    expectAgreement(await shownByApi(apiKey), counted);

    expect(await compactRollups(service.deps)).toBe(true);
    expect((await rollupRowsPerKey())[0].most).toBe(1);
    expectAgreement(await shownByApi(apiKey), counted);
  });

  it("lose nothing when compaction races concurrent writers", async () => {
    const racer = await registerCustomer(service.rest, "Racer Co");
    const apiKey = racer.apiKey;
    let writing = true;
    const compactions = [0, 1].map(async () => {
      while (writing) await compactRollups(service.deps);
    });
    const batches = await Promise.all(
      Array.from({ length: 8 }, () => service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: 10 }, () => imageTask()) }, { apiKey })),
    );
    await Promise.all(batches.map((b) => service.rest.post(`/v1/tasks/${b.body.task_ids[0]}/cancel`, {}, { apiKey })));
    await waitForBatches(apiKey, batches.map((b) => b.body.batch_id));
    writing = false;
    await Promise.all(compactions);

    const counted = await countedFromTasks(racer.customerId);
    expect(counted.daily.submitted).toBe(80);
    expectAgreement(await shownByApi(apiKey), counted);
    await compactRollups(service.deps);
    expectAgreement(await shownByApi(apiKey), counted);
  });

  it("count a rolling 24 hours and 7 days exactly, to the second, across hour boundaries", async () => {
    const windowed = await registerCustomer(service.rest, "Window Co");
    // A live task waits for people, so it is surely canceled before anyone labels it (a sandbox one could complete first).
    const liveKey = await makeLive(service.graphql, windowed.customerId);
    const template = await service.rest.post("/v1/tasks", imageTask(), { apiKey: liveKey });
    await service.rest.post(`/v1/tasks/${template.body.task_id}/cancel`, {}, { apiKey: liveKey });
    const now = new Date();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const DAY = 24 * 3600_000;
    // Submitted (and completed at the same instant) just inside and just outside each window.
    const instants = [ago(DAY - 1_000), ago(DAY + 1_000), ago(7 * DAY - 1_000), ago(7 * DAY + 1_000), ago(3600_000)];
    for (const at of instants) {
      const id = `tsk_${encodeTime(at.getTime(), 10).toLowerCase()}${randomBytes(8).toString("hex").slice(0, 16)}`;
      await service.deps.prisma.$executeRaw`
        INSERT INTO tasks (id, customer_id, environment, type, status, data_url, label_spec, replication, billable, workforce, created_at, updated_at, completed_at, confidence, judgment_count)
        SELECT ${id}, customer_id, environment, type, 'completed', data_url, label_spec, replication, billable, workforce, ${at}, ${at}, ${at}, 0.9, 0
        FROM tasks WHERE id = ${template.body.task_id}`;
    }
    const actor = { kind: "customer" as const, customerId: windowed.customerId, environment: "live" as const };
    for (const compacted of [false, true]) {
      if (compacted) await compactRollups(service.deps);
      const overview = await getOverview(service.deps, actor as Parameters<typeof getOverview>[1], now);
      // The template (now) and the ones 1 h and 24 h - 1 s ago; the week adds 7 d - 1 s and 24 h + 1 s.
      expect(overview.submitted).toEqual({ last24h: 3, last7d: 5 });
      expect(overview.completed).toEqual({ last24h: 2, last7d: 4 });
    }
  });
});
