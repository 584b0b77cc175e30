// The event feed as a consumer uses it: read, keep the cursor, stop, resume —
// every event exactly once, in order, while the workers write events from
// many concurrent transactions; per customer and environment; over REST, a
// GraphQL query and a resuming subscription; with the webhook's event id; and
// kept for the retention only.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { pruneEvents, recordEvent } from "../../src/domain/webhooks/index.js";
import { sqlTransaction } from "../../src/db/transaction.js";
import { makeLive } from "../support/annotators.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/harness.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { subscribe, wsClient } from "../support/ws.js";

const SECRET = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");

interface FeedItem {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown>;
  cursor: string;
}

let service: TestService;
let receiver: Receiver;
beforeAll(async () => {
  // ROLE all: the sandbox labeler completes tasks (and writes their events) in its own concurrent transactions.
  service = await startTestService({ env: { ROLE: "all" } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await service?.close();
  await receiver?.close();
});

async function feedPage(apiKey: string, query: string) {
  const res = await service.rest.get(`/v1/events${query}`, { apiKey });
  expect(res.status, res.text).toBe(200);
  return res.body as { data: FeedItem[]; next_cursor: string | null; has_more: boolean };
}

/** Pages from `after` until `count` events have come (the feed shows an event once every older transaction has ended). */
async function readUntil(apiKey: string, after: string | null, count: number, extra = "", timeoutMs = 60_000) {
  const events: FeedItem[] = [];
  let cursor = after;
  const deadline = Date.now() + timeoutMs;
  while (events.length < count) {
    if (Date.now() > deadline) throw new Error(`feed gave ${events.length} of ${count} events`);
    const page = await feedPage(apiKey, `?limit=100${cursor ? `&after=${cursor}` : ""}${extra}`);
    events.push(...page.data);
    cursor = page.next_cursor;
    if (!page.has_more) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { events, cursor };
}

const position = (cursor: string) => cursor.split("-").map(BigInt) as [bigint, bigint];
const before = (a: string, b: string) => {
  const [ta, sa] = position(a);
  const [tb, sb] = position(b);
  return ta < tb || (ta === tb && sa < sb);
};
function expectInOrder(events: FeedItem[]) {
  for (let i = 1; i < events.length; i++) expect(before(events[i - 1].cursor, events[i].cursor), `event ${i} out of order`).toBe(true);
}

async function submitBatch(customer: Customer, count: number) {
  const res = await service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: count }, (_, i) => imageTask({ metadata: { i } })) }, { apiKey: customer.apiKey });
  expect(res.status, res.text).toBe(202);
  return res.body.batch_id as string;
}

async function storedEventIds(customer: Customer, environment = "sandbox") {
  const rows = await service.deps.prisma.event.findMany({ where: { customerId: customer.customerId, environment }, select: { id: true } });
  return new Set(rows.map((row) => row.id));
}

describe("the event feed", () => {
  let customer: Customer;
  let stoppedAt: string;
  beforeAll(async () => {
    customer = await registerCustomer(service.rest, "Feed Reader Co");
    await service.deps.prisma.customer.update({ where: { id: customer.customerId }, data: { sandboxLabelQuota: 100_000 } });
  });

  it("gives a consumer that stopped, missed 1,000 events and resumed from its cursor each event exactly once, in order", async () => {
    const empty = await feedPage(customer.apiKey, "");
    expect(empty).toEqual({ data: [], next_cursor: null, has_more: false });

    // Read while the first 200 tasks are being labeled: the consumer follows a feed being written.
    await submitBatch(customer, 200);
    const first = await readUntil(customer.apiKey, null, 201);
    stoppedAt = first.cursor!;
    expect(first.events).toHaveLength(201);

    // Stopped: 1,000 more tasks complete (plus their batches' events) meanwhile.
    await Promise.all([submitBatch(customer, 500), submitBatch(customer, 500)]);
    const resumed = await readUntil(customer.apiKey, stoppedAt, 1002);
    expect((await feedPage(customer.apiKey, `?after=${resumed.cursor}`)).data).toEqual([]);

    const all = [...first.events, ...resumed.events];
    expectInOrder(all);
    expect(new Set(all.map((event) => event.id)).size).toBe(all.length);
    // Exactly the events the service wrote for this customer environment, no more, no fewer.
    expect(new Set(all.map((event) => event.id))).toEqual(await storedEventIds(customer));
    expect(resumed.events.filter((event) => event.type === "task.completed")).toHaveLength(1000);
    expect(resumed.events.filter((event) => event.type === "batch.completed")).toHaveLength(2);
    // Each carries what the webhook would: a task's data is its result.
    const task = resumed.events.find((event) => event.type === "task.completed")!;
    const result = await service.rest.get(`/v1/tasks/${task.data.task_id}/result`, { apiKey: customer.apiKey });
    expect(task.data).toEqual(result.body);
  });

  it("filters by type, and refuses a cursor or type it did not make with a 400", async () => {
    const batches = await readUntil(customer.apiKey, null, 3, "&types=batch.completed");
    expect(batches.events.map((event) => event.type)).toEqual(["batch.completed", "batch.completed", "batch.completed"]);
    expectInOrder(batches.events);
    for (const query of ["?after=abc", "?after=1-2-3", "?types=task.exploded", "?limit=0", "?limit=1001"]) {
      const res = await service.rest.get(`/v1/events${query}`, { apiKey: customer.apiKey });
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe("invalid_request");
    }
  });

  it("never shows an event behind a cursor already given: one written by a transaction still open waits for it", async () => {
    const quiet = await registerCustomer(service.rest, "Open Transaction Co");
    const tenant = { customerId: quiet.customerId, environment: "sandbox" };
    const client = new pg.Client({ connectionString: service.deps.db.url });
    await client.connect();
    try {
      // The older transaction takes its id first and commits last.
      await client.query("BEGIN");
      await client.query(
        `INSERT INTO events (id, customer_id, environment, type, payload) VALUES ('evt_open_first', $1, 'sandbox', 'job.completed', '{"data":{}}')`,
        [quiet.customerId],
      );
      await sqlTransaction(service.deps.prisma, (tx) => recordEvent(tx, tenant, "job.failed", { n: 2 }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await feedPage(quiet.apiKey, "")).data).toEqual([]);
      await client.query("COMMIT");
      const { events } = await readUntil(quiet.apiKey, null, 2);
      expect(events.map((event) => event.type)).toEqual(["job.completed", "job.failed"]);
    } finally {
      await client.end();
    }
  });

  it("is per customer and per environment", async () => {
    const other = await registerCustomer(service.rest, "Other Reader Co");
    expect((await feedPage(other.apiKey, "")).data).toEqual([]);
    expect((await feedPage(other.apiKey, `?after=${stoppedAt}`)).data).toEqual([]);
    const liveKey = await makeLive(service.graphql, customer.customerId);
    expect((await feedPage(liveKey, "")).data).toEqual([]);
    expect(await storedEventIds(customer, "live")).toEqual(new Set());
  });

  it("serves GraphQL: the events query, and a subscription that replays from a cursor and then follows", async () => {
    const query = await service.graphql(
      `query($after: String) { events(after: $after, types: ["batch.completed"], first: 1) { events { id type cursor data } nextCursor hasMore } }`,
      { after: stoppedAt },
      { apiKey: customer.apiKey },
    );
    expect(query.errors).toBeUndefined();
    expect(query.data.events.events).toHaveLength(1);
    expect(query.data.events).toMatchObject({ hasMore: true, nextCursor: query.data.events.events[0].cursor });
    const rest = await readUntil(customer.apiKey, stoppedAt, 2, "&types=batch.completed");

    const client = wsClient(service.url, { authorization: `Bearer ${customer.apiKey}` });
    try {
      const events = await subscribe<any>(client, `subscription($after: String) { events(after: $after, types: ["batch.completed"]) { id type cursor } }`, { after: stoppedAt });
      const replayed = [await events.next(), await events.next()];
      expect(replayed.map((event) => event.events.id)).toEqual(rest.events.map((event) => event.id));
      const batchId = await submitBatch(customer, 3);
      const live = await events.next(60_000);
      expect(live.events.type).toBe("batch.completed");
      expect(before(replayed[1].events.cursor, live.events.cursor)).toBe(true);
      const stored = await service.deps.prisma.event.findUniqueOrThrow({ where: { id: live.events.id } });
      expect((stored.payload as { data: { batch_id: string } }).data.batch_id).toBe(batchId);
      await events.dispose();
    } finally {
      await client.dispose();
    }
  });

  it("uses the webhook delivery's event id: the webhook-id header and the body's id are the feed's", async () => {
    const hooked = await registerCustomer(service.rest, "Hooked Reader Co");
    const registered = await service.rest.post("/v1/webhooks", { callback_url: receiver.url, secret: SECRET, events: ["task.completed"] }, { apiKey: hooked.apiKey });
    expect(registered.status).toBe(201);
    await service.rest.post("/v1/tasks", imageTask(), { apiKey: hooked.apiKey });
    const [delivery] = await receiver.waitFor(1, 30_000);
    const body = new StandardWebhook(SECRET).verify(delivery.body, delivery.headers as Record<string, string>) as { id: string };
    const { events } = await readUntil(hooked.apiKey, null, 1);
    expect(body.id).toBe(events[0].id);
    expect(delivery.headers["webhook-id"]).toBe(events[0].id);
  });

  it("keeps events for the retention, and one whose delivery is still due until it settles", async () => {
    const aging = await registerCustomer(service.rest, "Aging Reader Co");
    const tenant = { customerId: aging.customerId, environment: "sandbox" };
    const [expired, due, recent] = await sqlTransaction(service.deps.prisma, async (tx) => [
      await recordEvent(tx, tenant, "job.completed", { n: 1 }),
      await recordEvent(tx, tenant, "job.completed", { n: 2 }, { callbackUrl: "http://127.0.0.1:9/unreachable" }),
      await recordEvent(tx, tenant, "job.completed", { n: 3 }),
    ]);
    // The due delivery waits far in the future, so the deliverer leaves it pending.
    await service.deps.prisma.webhookDelivery.updateMany({ where: { eventId: due.id }, data: { nextAttemptAt: new Date(Date.now() + 86_400_000) } });
    await service.deps.prisma.event.updateMany({ where: { id: { in: [expired.id, due.id] } }, data: { createdAt: new Date(Date.now() - 31 * 86_400_000) } });
    expect(await pruneEvents(service.deps, 30)).toBeGreaterThanOrEqual(1);
    const { events } = await readUntil(aging.apiKey, null, 2);
    expect(events.map((event) => event.id)).toEqual([due.id, recent.id]);
    expect(await service.deps.prisma.event.count({ where: { id: expired.id } })).toBe(0);
  });
});
