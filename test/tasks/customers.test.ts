import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { registerCustomer } from "../support/fixtures.js";
import { forgetCachedKeys } from "../../src/domain/accounts/index.js";
import { hashCredential as hashApiKey } from "../../src/domain/shared/index.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

describe("POST /v1/customers", () => {
  it("registers a sandbox customer and shows the key once", async () => {
    const res = await service.rest.post("/v1/customers", { name: "Acme", email: "Ops@Acme.example" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      customer_id: expect.stringMatching(/^cust_[0-9a-z]{26}$/),
      api_key: expect.stringMatching(/^sk_sandbox_[A-Za-z0-9_-]{32}$/),
      tier: "sandbox",
      label_quota: 500,
      message: "Store this API key securely — it cannot be retrieved again.",
    });
    // Stored only as a hash plus a short prefix.
    const stored = await service.deps.prisma.apiKey.findFirstOrThrow({ where: { customerId: res.body.customer_id } });
    expect(stored.hash).toBe(hashApiKey(res.body.api_key));
    expect(JSON.stringify(stored)).not.toContain(res.body.api_key);
    expect(res.body.api_key.startsWith(stored.prefix)).toBe(true);
    expect(stored.prefix.length).toBeLessThanOrEqual(16);
  });

  it("refuses a second registration with the same email (any case) with 409 email_taken", async () => {
    await service.rest.post("/v1/customers", { name: "A", email: "dup@example.com" });
    const res = await service.rest.post("/v1/customers", { name: "B", email: "DUP@example.com" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("email_taken");
  });

  it.each([
    [{ email: "x@example.com" }, "name"],
    [{ name: "", email: "x@example.com" }, "name"],
    [{ name: "n".repeat(201), email: "x@example.com" }, "name"],
    [{ name: "Acme", email: "not-an-email" }, "email"],
    [{ name: "Acme", email: "x@example.com", tier: "live" }, "(body)"],
    [[1, 2], "(body)"],
  ])("rejects %j with 400 invalid_request naming %s", async (body, field) => {
    const res = await service.rest.post("/v1/customers", body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.errors.map((e: { path: string }) => e.path)).toContain(field);
  });
});

describe("GET /v1/customers/me", () => {
  it("returns the profile and usage, never the key", async () => {
    const customer = await registerCustomer(service.rest);
    const res = await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      customer_id: customer.customerId,
      name: "Acme",
      tier: "sandbox",
      label_quota: 500,
      labels_used: 0,
      labels_remaining: 500,
      api_key_prefix: customer.apiKey.slice(0, 15),
    });
    expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.text).not.toContain(customer.apiKey);
  });

  it.each([
    ["no header", undefined],
    ["a malformed key", "Bearer nope"],
    ["an unknown key", "Bearer sk_sandbox_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ["a key without Bearer scheme", "Basic abc"],
  ])("answers %s with 401 unauthorized and WWW-Authenticate", async (_label, header) => {
    const res = await service.rest.get("/v1/customers/me", { headers: header ? { authorization: header } : {} });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("refuses a revoked key", async () => {
    const customer = await registerCustomer(service.rest);
    expect((await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey })).status).toBe(200);
    // What an operator's revocation does: mark the key, drop this process's cached lookups.
    await service.deps.prisma.apiKey.updateMany({ where: { customerId: customer.customerId }, data: { revokedAt: new Date() } });
    forgetCachedKeys(service.deps);
    const res = await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey });
    expect(res.status).toBe(401);
  });
});

describe("GraphQL registerCustomer and me", () => {
  it("registers and reads the profile with the key", async () => {
    const registered = await service.graphql(
      `mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) {
        __typename ... on MutationRegisterCustomerSuccess { data { customerId apiKey tier labelQuota } }
        ... on AppError { code message } } }`,
      { input: { name: "Gql", email: "gql@example.com" } },
    );
    const data = registered.data!.registerCustomer.data;
    expect(data).toMatchObject({ tier: "SANDBOX", labelQuota: 500 });
    const me = await service.graphql(`{ me { id email labelsRemaining } }`, {}, { apiKey: data.apiKey });
    expect(me.data.me).toEqual({ id: data.customerId, email: "gql@example.com", labelsRemaining: 500 });
  });

  it("returns a typed email_taken error", async () => {
    const query = `mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) {
      ... on AppError { __typename code } } }`;
    await service.graphql(query, { input: { name: "A", email: "twice@example.com" } });
    const second = await service.graphql(query, { input: { name: "B", email: "twice@example.com" } });
    expect(second.data.registerCustomer).toEqual({ __typename: "AppError", code: "email_taken" });
  });

  it("answers me without a key with extensions.code unauthorized", async () => {
    const result = await service.graphql(`{ me { id } }`);
    expect(result.errors?.[0].extensions?.code).toBe("unauthorized");
  });
});
