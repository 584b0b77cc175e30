import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ env: { BODY_LIMIT: "2kb" } });
});
afterAll(() => service.close());

describe("GET /v1/health", () => {
  it("answers exactly the documented body without auth", async () => {
    const res = await service.rest.get("/v1/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, service: "asg-gateway" });
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
  });
});

describe("the /v1 error shape", () => {
  it("gives unknown routes a JSON 404 with a request id", async () => {
    const res = await service.rest.get("/v1/definitely-not-here");
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "not_found" });
    expect(res.body.error.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("echoes a well-formed client request id", async () => {
    const res = await service.rest.get("/v1/nope", { headers: { "x-request-id": "trace-abc.123" } });
    expect(res.headers.get("x-request-id")).toBe("trace-abc.123");
    expect(res.body.error.request_id).toBe("trace-abc.123");
  });

  it("answers a wrong method with 405 and the allowed methods", async () => {
    const res = await service.rest.request("DELETE", "/v1/health");
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe("method_not_allowed");
    expect(res.headers.get("allow")).toContain("GET");
  });

  it("answers malformed JSON with 400 invalid_json", async () => {
    const res = await service.rest.post("/v1/customers", '{"name": "Acme",');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
  });

  it("answers a body over the configured limit with 413", async () => {
    const res = await service.rest.post("/v1/customers", { name: "x".repeat(4096), email: "big@example.com" });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it("refuses a non-JSON body with 415", async () => {
    const res = await service.rest.post("/v1/customers", "name=Acme", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
  });

  it("answers a path outside /v1 and /graphql with a JSON 404", async () => {
    const res = await service.rest.get("/nothing");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("GET /", () => {
  it("tells a script where to go, as JSON", async () => {
    const res = await service.rest.get("/");
    expect(res.status).toBe(200);
    expect(res.body.links).toMatchObject({ console: "/console", docs: "/docs", graphql: "/graphql" });
    // Every link it names answers.
    for (const link of Object.values(res.body.links as Record<string, string>)) {
      const page = await fetch(`${service.url}${link}`, { headers: { accept: "text/html" } });
      expect(page.status, link).toBe(200);
    }
  });

  it("gives a browser a page linking the console, the docs and GraphiQL", async () => {
    const res = await fetch(`${service.url}/`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    for (const link of ["/console", "/docs", "/graphql"]) expect(html).toContain(`href="${link}"`);
  });
});

describe("/graphql", () => {
  it("answers POST and GET queries", async () => {
    const post = await service.graphql(`{ health { ok service } }`);
    expect(post).toEqual({ data: { health: { ok: true, service: "asg-gateway" } } });
    const get = await fetch(`${service.url}/graphql?query=${encodeURIComponent("{ health { ok } }")}`, {
      headers: { accept: "application/json" },
    });
    expect(await get.json()).toEqual({ data: { health: { ok: true } } });
  });

  it("serves GraphiQL to browsers", async () => {
    const res = await fetch(`${service.url}/graphql`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("GraphiQL");
  });

  it("reports validation errors with a code", async () => {
    const result = await service.graphql(`{ nope }`);
    expect(result.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("answers a body over the configured limit with 413, with or without a Content-Length", async () => {
    const big = JSON.stringify({ query: `{ health { ok } }`, variables: { padding: "x".repeat(4096) } });
    const sized = await fetch(`${service.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(sized.status).toBe(413);
    expect((await sized.json()).errors[0].extensions.code).toBe("payload_too_large");
    // Chunked: the limit holds while the body streams in.
    const chunked = await fetch(`${service.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await chunked.json()).errors[0].extensions.code).toBe("payload_too_large");
    // Within the limit, the same request is answered.
    const small = await service.graphql(`# ${"x".repeat(1000)}\n{ health { ok } }`);
    expect(small).toEqual({ data: { health: { ok: true } } });
  });

  it("reads gzip, deflate and br bodies as /v1 does, and limits their decoded size", async () => {
    const query = JSON.stringify({ query: `{ health { ok } }` });
    const post = (body: Buffer | string, encoding: string) =>
      fetch(`${service.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": encoding }, body: typeof body === "string" ? body : new Uint8Array(body) });
    for (const [encoding, encode] of [["gzip", gzipSync], ["deflate", deflateSync], ["br", brotliCompressSync]] as const) {
      const res = await post(encode(query), encoding);
      expect(await res.json(), encoding).toEqual({ data: { health: { ok: true } } });
    }
    // A body that is not what its Content-Encoding says, or an encoding nobody supports.
    const wrong = await post(query, "gzip");
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).errors[0].extensions.code).toBe("invalid_body");
    const unknown = await post(query, "compress");
    expect(unknown.status).toBe(415);
    expect((await unknown.json()).errors[0].extensions.code).toBe("unsupported_media_type");
    // 100 kB of padding compresses to a few hundred bytes: the limit (2 kB here) holds on what it decodes to.
    const bomb = gzipSync(JSON.stringify({ query: `# ${"x".repeat(100_000)}\n{ health { ok } }` }));
    expect(bomb.length).toBeLessThan(2048);
    const tooLarge = await post(bomb, "gzip");
    expect(tooLarge.status).toBe(413);
    expect((await tooLarge.json()).errors[0].extensions.code).toBe("payload_too_large");
  });

  it("refuses a POST that is not JSON with 415, and one without a body with 400, each with a code", async () => {
    const res = await fetch(`${service.url}/graphql`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{ health { ok } }" });
    expect(res.status).toBe(415);
    expect((await res.json()).errors[0].extensions.code).toBe("unsupported_media_type");
    const empty = await fetch(`${service.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" } });
    expect(empty.status).toBe(400);
    expect((await empty.json()).errors[0].extensions.code).toBe("invalid_body");
  });
});

describe("input PostgreSQL cannot store", () => {
  it("refuses NUL characters in paths, bodies and GraphQL variables with 400, never 500", async () => {
    const path = await service.rest.get("/v1/tasks/%00");
    expect(path.status).toBe(400);
    expect(path.body.error.code).toBe("invalid_request");
    const body = await service.rest.post("/v1/customers", { name: "A\u0000B", email: "nul@example.com" });
    expect(body.status).toBe(400);
    expect(body.body.error.code).toBe("invalid_request");
    const gql = await service.graphql(`query($id: ID!) { task(id: $id) { id } }`, { id: "tsk_\u0000" });
    expect(gql.errors?.[0].extensions?.code).toBe("invalid_request");
  });
});
