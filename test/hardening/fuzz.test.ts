// Property-based fuzzing (fast-check) of every /v1 endpoint and of GraphQL
// over HTTP and graphql-ws, as customer A, with no key and with bad keys. It
// must never see a 5xx or an internal_error, a hang over 5 s, a dead server,
// or any change to customer B's data. FUZZ_RUNS=2000 npm test runs longer.
import fc from "fast-check";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const HANG_MS = 5_000;

let service: TestService;
let a: Customer;
let b: Customer;
let bIds: string[];
beforeAll(async () => {
  service = await startTestService();
  a = await registerCustomer(service.rest, "Fuzzer");
  b = await registerCustomer(service.rest, "Bystander");
  const task = await service.rest.post("/v1/tasks", imageTask(), { apiKey: b.apiKey });
  const batch = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask()] }, { apiKey: b.apiKey });
  const webhook = await service.rest.post("/v1/webhooks", { callback_url: "https://example.com/b-hook" }, { apiKey: b.apiKey });
  const keys = await service.rest.get("/v1/api-keys", { apiKey: b.apiKey });
  bIds = [task.body.task_id, batch.body.batch_id, webhook.body.webhook_id, ...keys.body.data.map((key: { key_id: string }) => key.key_id)];
});
afterAll(() => service.close());

/** Everything of B's that A could reach if isolation or validation failed. */
async function bystanderState() {
  const prisma = service.deps.prisma;
  const where = { customerId: b.customerId };
  return JSON.stringify([
    await prisma.customer.findUnique({ where: { id: b.customerId } }),
    await prisma.task.findMany({ where, orderBy: { id: "asc" } }),
    await prisma.batch.findMany({ where, orderBy: { id: "asc" } }),
    await prisma.webhook.findMany({ where, orderBy: { id: "asc" } }),
    await prisma.apiKey.findMany({ where, orderBy: { id: "asc" }, select: { id: true, revokedAt: true } }),
  ]);
}

// Ids: A's own, B's (must stay 404), and junk.
const anId = () => fc.oneof(fc.constantFrom(...bIds), fc.constantFrom("tsk_", "bat_x", "whk_%00", "..", "%2e%2e%2f", "%ff", "tsk_" + "9".repeat(300), "toString", "__proto__", "constructor_x"), fc.string({ maxLength: 40 }));
const queryValue = () =>
  fc.oneof(fc.string({ maxLength: 20 }), fc.integer().map(String), fc.constantFrom("0", "-1", "1e9", "9".repeat(30), "NaN", "2026-13", "2026-04", "0000-01", "created_at_desc", "completed", "%00", ""));
const segment = (id: string) => encodeURIComponent(id).replace(/%25/g, "%");

const restRequest = () =>
  fc.record({
    route: fc.constantFrom(
      ["POST", "/v1/customers"], ["GET", "/v1/customers/me"], ["POST", "/v1/tasks"], ["POST", "/v1/tasks/batch"],
      ["GET", "/v1/tasks/:id"], ["GET", "/v1/tasks/:id/result"], ["POST", "/v1/tasks/:id/cancel"], ["GET", "/v1/batches/:id"],
      ["POST", "/v1/webhooks"], ["GET", "/v1/webhooks"], ["DELETE", "/v1/webhooks/:id"], ["GET", "/v1/health"],
      ["GET", "/v1/tasks"], ["GET", "/v1/batches/:id/tasks"], ["GET", "/v1/api-keys"], ["POST", "/v1/api-keys"], ["DELETE", "/v1/api-keys/:id"],
      ["POST", "/v1/jobs"], ["GET", "/v1/jobs"], ["GET", "/v1/jobs/:id"], ["GET", "/v1/jobs/:id/export"], ["POST", "/v1/jobs/:id/cancel"],
      ["GET", "/v1/billing/usage"], ["GET", "/v1/billing/invoices"], ["GET", "/v1/billing/invoices/:id"],
      ["GET", "/v1/dashboard/overview"], ["GET", "/v1/dashboard/tasks"], ["GET", "/v1/dashboard/quality"], ["GET", "/v1/dashboard/usage"],
      ["PUT", "/v1/tasks"], ["PATCH", "/v1/customers/me"], ["GET", "/v1/nope"],
    ),
    id: anId(),
    // The documented query parameters with junk values, and junk parameters.
    query: fc.array(fc.tuple(fc.oneof(fc.constantFrom("page", "per_page", "status", "sort", "month", "cursor", "limit"), fc.string({ maxLength: 10 })), queryValue()), { maxLength: 3 }),
    // Mostly as customer A, where the endpoints' own checks run; the rest tries the keys' check.
    auth: fc.oneof({ arbitrary: fc.constant("a"), weight: 3 }, fc.constantFrom("none", "garbage", "sk_sandbox_" + "A".repeat(32), "Bearer", "at_x")),
    contentType: fc.constantFrom("application/json", "application/json; charset=latin1", "text/plain", "application/x-www-form-urlencoded", "", "application/merge-patch+json"),
    encoding: fc.constantFrom(undefined, undefined, undefined, "gzip", "deflate", "br", "identity", "bogus"),
    body: fc.oneof(
      fc.json({ maxDepth: 6 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ ...imageTask(), metadata: { v } })),
      fc.record({ tasks: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }) }).map((v) => JSON.stringify(v)),
      fc
        .record({ manifest_url: fc.oneof(fc.constantFrom("s3://b/m.jsonl", "https://bucket/m.jsonl", "s3://", "file:///etc/passwd"), fc.string()), label_spec: fc.jsonValue({ maxDepth: 3 }), s3_credentials: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] })
        .map((v) => JSON.stringify(v)),
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.constantFrom("", "{", "[]", "null", '{"__proto__":{}}', '{"callback_url":"http://[::1"}', `{"a":"\\ud800"}`, "\u0000"),
    ),
  });

async function sendRest(r: RestRequest) {
  const [method, template] = r.route;
  const path = template.replace(":id", segment(r.id));
  const query = new URLSearchParams(r.query).toString();
  const headers: Record<string, string> = {};
  if (r.auth === "a") headers.authorization = `Bearer ${a.apiKey}`;
  else if (r.auth !== "none") headers.authorization = r.auth;
  if (r.contentType) headers["content-type"] = r.contentType;
  if (r.encoding) headers["content-encoding"] = r.encoding;
  const hasBody = method !== "GET" && method !== "DELETE";
  return fetch(`${service.url}${path}${query ? `?${query}` : ""}`, {
    method,
    headers,
    body: hasBody ? r.body : undefined,
    signal: AbortSignal.timeout(HANG_MS),
  });
}

interface RestRequest {
  route: readonly [string, string];
  id: string;
  query: [string, string][];
  auth: string;
  contentType: string;
  encoding: string | undefined;
  body: string;
}

const FIELDS = ["id", "status", "type", "result", "confidence", "__typename", "labelsUsed", "createdAt", "nope"];
const graphqlRequest = () =>
  fc.record({
    document: fc.oneof(
      fc.constantFrom(
        "query($id: ID!) { task(id: $id) { id status result } }",
        "query($id: ID!) { node(id: $id) { id ... on Task { status } } }",
        "query($id: ID!) { batch(id: $id) { id tasks(first: 5) { edges { node { id } } } } }",
        "mutation($input: JSON!) { submitTask(input: $input) { __typename } }",
        "mutation($id: ID!) { cancelTask(id: $id) { __typename } }",
        "mutation($id: ID!) { deleteWebhook(id: $id) { __typename } }",
        "{ me { id labelsUsed } }",
        "{ tasks(first: 101) { edges { node { id } } } }",
        "query($first: Int, $status: TaskStatus) { tasks(first: $first, status: $status) { edges { node { id } } } }",
      ),
      fc.array(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 6 }).map((fields) => `{ me { ${fields.join(" ")} } }`),
      fc.string({ maxLength: 80 }),
    ),
    // Always an object: graphql-ws closes the socket (4400) on a message of the wrong shape, as its protocol says.
    variables: fc.oneof(
      fc.record({ id: anId() }),
      fc.record({ input: fc.jsonValue({ maxDepth: 4 }), id: anId() }),
      // Variables of any JSON for typed ones: coercion refuses them as the client's mistake.
      fc.record({ first: fc.jsonValue({ maxDepth: 2 }), status: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })),
    ),
    auth: fc.constantFrom("a", "none", "garbage"),
  });

const authHeader = (auth: string): Record<string, string> => (auth === "a" ? { authorization: `Bearer ${a.apiKey}` } : auth === "none" ? {} : { authorization: auth });

describe("fuzzing", () => {
  it("REST: no 5xx, no hang, no change to another customer's data", async () => {
    const before = await bystanderState();
    await fc.assert(
      fc.asyncProperty(restRequest(), async (request) => {
        const res = await sendRest(request);
        const text = await res.text();
        expect(res.status, `${request.route.join(" ")} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 400) expect(JSON.parse(text).error.code).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: RUNS },
    );
    expect(await bystanderState()).toBe(before);
    expect((await service.rest.get("/v1/health")).status).toBe(200);
  });

  it("GraphQL over HTTP: no 5xx, no internal_error, no change to another customer's data", async () => {
    const before = await bystanderState();
    await fc.assert(
      fc.asyncProperty(graphqlRequest(), async (request) => {
        const res = await fetch(`${service.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", ...authHeader(request.auth) },
          body: JSON.stringify({ query: request.document, variables: request.variables }),
          signal: AbortSignal.timeout(HANG_MS),
        });
        const text = await res.text();
        expect(res.status, text.slice(0, 300)).toBeLessThan(500);
        expect(text).not.toContain("internal_error");
      }),
      { numRuns: RUNS },
    );
    expect(await bystanderState()).toBe(before);
  });

  it("GraphQL over graphql-ws: every operation gets an answer, never internal_error; the socket survives bad ones", async () => {
    const socket = new WebSocket(service.url.replace("http", "ws") + "/graphql", "graphql-transport-ws");
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const answers = new Map<string, (message: any) => void>();
    let closedWith: number | undefined;
    socket.on("close", (code) => (closedWith = code));
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "connection_ack") answers.get("ack")?.(message);
      if (message.id && (message.type === "error" || message.type === "complete" || message.type === "next")) answers.get(message.id)?.(message);
    });
    const answered = (id: string) =>
      new Promise<any>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${id} (socket closed: ${closedWith})`)), HANG_MS);
        answers.set(id, (message) => {
          clearTimeout(timer);
          answers.delete(id);
          resolve(message);
        });
      });
    const acked = answered("ack");
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${a.apiKey}` } }));
    await acked;
    const before = await bystanderState();
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(graphqlRequest(), async (request) => {
          // Subscriptions are left out: they would stay open by design.
          const id = `op${n++}`;
          const answer = answered(id);
          socket.send(JSON.stringify({ id, type: "subscribe", payload: { query: request.document.replace(/^subscription/, "query"), variables: request.variables } }));
          const message = await answer;
          expect(JSON.stringify(message)).not.toContain("internal_error");
          socket.send(JSON.stringify({ id, type: "complete" }));
        }),
        { numRuns: RUNS },
      );
      expect(closedWith).toBeUndefined();
    } finally {
      socket.close();
    }
    expect(await bystanderState()).toBe(before);
  });
});
