// Each case here was a 5xx, a hang or a leak found by trying the API as an
// attacker or a careless client would; each is a clear 4xx now.
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";

let service: TestService;
let customer: Customer;
beforeAll(async () => {
  service = await startTestService({
    env: { ALLOW_PRIVATE_WEBHOOK_TARGETS: "false", HEADERS_TIMEOUT_MS: "1000", REQUEST_TIMEOUT_MS: "2000", WS_MAX_SUBSCRIPTIONS: "3", WS_MAX_PAYLOAD: "64kb" },
  });
  customer = await registerCustomer(service.rest);
});
afterAll(() => service.close());

const taskCount = () => service.deps.prisma.task.count({ where: { customerId: customer.customerId } });
const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("hostile REST bodies", () => {
  it("refuses deeply nested JSON with 400, authenticated or not", async () => {
    const body = `{"a":${deepArray(100_000)}}`;
    const anonymous = await service.rest.post("/v1/customers", body);
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.error.code).toBe("invalid_request");
    const task = await service.rest.post("/v1/tasks", imageTask({ metadata: JSON.parse(`{"a":${deepArray(40)}}`) }), { apiKey: customer.apiKey });
    expect(task.status).toBe(400);
    expect(task.body.error.message).toMatch(/nested/);
  });

  it("refuses a body that does not match its Content-Encoding, and accepts one that does", async () => {
    const lying = await service.rest.post("/v1/customers", { name: "x", email: "x@example.com" }, { headers: { "content-encoding": "gzip" } });
    expect(lying.status).toBe(400);
    expect(lying.body.error.code).toBe("invalid_body");
    const response = await fetch(`${service.url}/v1/customers`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ name: "Zipped", email: "zip@example.com" })),
    });
    expect(response.status).toBe(201);
  });

  it("refuses __proto__ keys anywhere in a body", async () => {
    const before = await taskCount();
    for (const body of [
      `{"__proto__":{"x":1},"type":"image_classification"}`,
      JSON.stringify(imageTask()).replace(`"label_spec":{`, `"label_spec":{"__proto__":{"polluted":true},`),
    ]) {
      const res = await service.rest.post("/v1/tasks", body, { apiKey: customer.apiKey });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_json");
    }
    expect(await taskCount()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses lone UTF-16 surrogates instead of failing in the database or storing U+FFFD", async () => {
    const before = await taskCount();
    const lone = (json: string) => json.replace('"Q?"', '"Q\\ud800?"');
    for (const body of [
      lone(JSON.stringify(imageTask())),
      JSON.stringify(imageTask({ metadata: { note: "x" } })).replace('"x"', '"\\udc00"'),
      JSON.stringify({ type: "text_classification", data: "y", label_spec: { question: "Q", options: ["a", "b"] } }).replace('"y"', '"\\ud83d"'),
    ]) {
      const res = await service.rest.post("/v1/tasks", body, { apiKey: customer.apiKey });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/surrogate/);
    }
    expect(await taskCount()).toBe(before);
    // A proper pair (an emoji) is fine.
    const emoji = await service.rest.post("/v1/tasks", { type: "text_classification", data: "great 😀", label_spec: { question: "Q", options: ["a", "b"] } }, { apiKey: customer.apiKey });
    expect(emoji.status).toBe(202);
  });

  it.each(["not a url", "http://", "//example.com/x", "ftp://example.com/x"])("refuses webhook callback_url %j with 400", async (callbackUrl) => {
    const res = await service.rest.post("/v1/webhooks", { callback_url: callbackUrl }, { apiKey: customer.apiKey });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    const graphql = await service.graphql(
      `mutation($url: String!) { createWebhook(callbackUrl: $url) { __typename ... on AppError { code } } }`,
      { url: callbackUrl },
      { apiKey: customer.apiKey },
    );
    expect(graphql.data?.createWebhook?.code ?? graphql.errors?.[0].extensions?.code).toBe("invalid_request");
  });

  it.each(["http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook", "http://169.254.169.254/latest/meta-data"])(
    "refuses a task callback_url at %s when submitted, single or in a batch",
    async (callbackUrl) => {
      const before = await taskCount();
      const single = await service.rest.post("/v1/tasks", imageTask({ callback_url: callbackUrl }), { apiKey: customer.apiKey });
      expect(single.status).toBe(400);
      expect(single.body.error.code).toBe("unsafe_callback_url");
      const batch = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask(), imageTask({ callback_url: callbackUrl })] }, { apiKey: customer.apiKey });
      expect(batch.status).toBe(400);
      expect(batch.body.error.path).toBe("tasks[1].callback_url");
      expect(await taskCount()).toBe(before);
    },
  );
});

describe("slow and stalled clients", () => {
  /** Sends raw bytes and resolves with whatever the server answers before closing. */
  function rawExchange(bytes: string): Promise<string> {
    const { port } = new URL(service.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => socket.write(bytes));
      let answer = "";
      socket.on("data", (chunk) => (answer += chunk));
      socket.on("close", () => resolve(answer));
      socket.on("error", reject);
    });
  }

  it("answers 408 to a body shorter than its Content-Length instead of waiting forever", async () => {
    const answer = await rawExchange(
      "POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n" + '{"name":"slow"',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it("answers 408 to headers that never end", async () => {
    const answer = await rawExchange("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe("GraphQL abuse limits", () => {
  const post = (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${service.url}/graphql`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });

  it("refuses hundreds of aliased introspections without credentials", async () => {
    const query = `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: __schema { types { fields { name } } }`).join(" ")} }`;
    const res = await post({ query });
    const text = await res.text();
    expect(text.length).toBeLessThan(1_000);
    expect(JSON.parse(text).errors[0].extensions.code).toBe("query_too_complex");
  });

  it("still answers one introspection (GraphiQL needs it)", async () => {
    const res = await post({ query: "{ __schema { queryType { name } types { name fields { name } } } }" });
    expect((await res.json()).data.__schema.queryType.name).toBe("Query");
  });

  it("refuses oversized documents and too many tokens before doing the work", async () => {
    const huge = await post({ query: `{ ${"__typename ".repeat(200_000)}}` });
    expect((await huge.json()).errors[0].extensions.code).toBe("query_too_complex");
    const manyTokens = await post({ query: `{ ${"__typename ".repeat(9_000)}}` });
    expect((await manyTokens.json()).errors[0].extensions.code).toBe("query_too_complex");
  });

  it("refuses deep variables and NUL characters with invalid_request", async () => {
    const deep = `{"query":"query($m: JSON) { __typename }","variables":{"m":${'{"x":'.repeat(5_000)}1${"}".repeat(5_000)}}}`;
    expect((await (await post(deep)).json()).errors[0].extensions.code).toBe("invalid_request");
    const nul = await post({ query: "query($id: ID!) { task(id: $id) { id } }", variables: { id: "tsk_\u0000x" } });
    expect((await nul.json()).errors[0].extensions.code).toBe("invalid_request");
  });

  it.each([
    ["of the wrong type", "query($first: Int) { tasks(first: $first) { edges { node { id } } } }", { first: "1e309" }, /Variable "\$first" got invalid value "1e309"/],
    ["an object for an ID", "query($id: ID!) { task(id: $id) { id } }", { id: { a: 1 } }, /Variable "\$id" got invalid value/],
    ["missing", "query($id: ID!) { task(id: $id) { id } }", {}, /Variable "\$id" of required type "ID!" was not provided/],
    // (SubmitTaskInput's type and labelSpec may come from a project now, so a list's non-null item is the nested required value.)
    ["null inside an input", "mutation($t: [SubmitTaskInput!]!) { submitBatch(tasks: $t) { __typename } }", { t: [null] }, /at "t\[0\]"/],
  ])("answers a variable %s with 400 invalid_request naming it, not internal_error", async (_case, query, variables, message) => {
    const res = await post({ query, variables }, { "content-type": "application/json", authorization: `Bearer ${customer.apiKey}` });
    expect(res.status).toBe(400);
    const [error] = (await res.json()).errors;
    expect(error.extensions.code).toBe("invalid_request");
    expect(error.message).toMatch(message);
  });

  it.each(["toString", "__proto__", "constructor_1", "hasOwnProperty"])("finds no node for the id %j (not Object.prototype's)", async (id) => {
    const res = await service.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id }, { apiKey: customer.apiKey });
    expect(res.errors).toBeUndefined();
    expect(res.data.node).toBeNull();
  });

  it("answers a POST that is not JSON with 415, not an empty 204", async () => {
    const res = await post("{ __typename }", { "content-type": "text/plain" });
    expect(res.status).toBe(415);
    expect((await res.json()).errors[0].extensions.code).toBe("unsupported_media_type");
  });
});

describe("graphql-ws under abuse", () => {
  /** A raw graphql-transport-ws connection, to see exactly what the server sends. */
  async function rawSocket() {
    const socket = new WebSocket(service.url.replace("http", "ws") + "/graphql", "graphql-transport-ws");
    const messages: any[] = [];
    const waiters: (() => void)[] = [];
    socket.on("message", (data) => {
      messages.push(JSON.parse(String(data)));
      waiters.splice(0).forEach((wake) => wake());
    });
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const send = (message: unknown) => socket.send(JSON.stringify(message));
    const waitFor = async (match: (m: any) => boolean) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such message; got ${JSON.stringify(messages)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    };
    send({ type: "connection_init", payload: { authorization: `Bearer ${customer.apiKey}` } });
    await waitFor((m) => m.type === "connection_ack");
    return { socket, send, waitFor, closed, messages };
  }

  it("answers a syntax error or a NUL with an error for that operation only", async () => {
    const ws = await rawSocket();
    try {
      ws.send({ id: "good", type: "subscribe", payload: { query: "subscription { taskUpdates { task { id status } } }" } });
      ws.send({ id: "broken", type: "subscribe", payload: { query: "subscription { taskUpdates { task { id " } });
      ws.send({ id: "nul", type: "subscribe", payload: { query: "query($id: ID!) { task(id: $id) { id } }", variables: { id: "tsk_\u0000x" } } });
      expect((await ws.waitFor((m) => m.id === "broken")).type).toBe("error");
      const nul = await ws.waitFor((m) => m.id === "nul");
      expect(nul.type).toBe("error");
      expect(nul.payload[0].extensions.code).toBe("invalid_request");
      ws.send({ id: "typed", type: "subscribe", payload: { query: "query($first: Int) { tasks(first: $first) { edges { node { id } } } }", variables: { first: "x" } } });
      // Variables are coerced when the operation runs: its result carries the error (graphql-ws's "next").
      const typed = await ws.waitFor((m) => m.id === "typed" && m.type === "next");
      expect(typed.payload.errors[0].extensions.code).toBe("invalid_request");
      // The first subscription still works on the same socket.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
      const event = await ws.waitFor((m) => m.id === "good" && m.type === "next");
      expect(event.payload.data.taskUpdates.task.id).toBe(created.body.task_id);
    } finally {
      ws.socket.close();
    }
  });

  it("caps subscriptions per connection and the size of a message", async () => {
    const ws = await rawSocket();
    try {
      for (const id of ["s1", "s2", "s3", "s4"]) ws.send({ id, type: "subscribe", payload: { query: "subscription { taskUpdates { task { id } } }" } });
      const refused = await ws.waitFor((m) => m.id === "s4");
      expect(refused.type).toBe("error");
      expect(refused.payload[0].extensions.code).toBe("too_many_subscriptions");
      ws.send({ id: "big", type: "subscribe", payload: { query: `{ __typename }`, variables: { pad: "x".repeat(100_000) } } });
      expect(await ws.closed).toBe(1009); // message too big
    } finally {
      ws.socket.close();
    }
  });
});

describe("Idempotency-Key fingerprints", () => {
  it("treat the same JSON with its keys in another order as the same request", async () => {
    const key = { "idempotency-key": `order-${Date.now()}` };
    const body = JSON.stringify(imageTask({ priority: 7 }));
    const first = await service.rest.post("/v1/tasks", body, { apiKey: customer.apiKey, headers: key });
    expect(first.status).toBe(202);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(body)).reverse()));
    const replay = await service.rest.post("/v1/tasks", reordered, { apiKey: customer.apiKey, headers: key });
    expect(replay.status).toBe(202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.task_id).toBe(first.body.task_id);
  });
});
