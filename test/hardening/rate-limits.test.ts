// Rate limits per API key (by tier), per address for registration, GraphQL by cost.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { registerCustomer, type Customer } from "../support/fixtures.js";

let service: TestService;
let customer: Customer;
beforeAll(async () => {
  // Windows of an hour: nothing refills while the test runs.
  service = await startTestService({ env: { RATE_LIMIT_SANDBOX: "5/h", RATE_LIMIT_REGISTRATION: "3/h" } });
  customer = await registerCustomer(service.rest);
});
afterAll(() => service.close());

describe("rate limits", () => {
  it("counts down each API key's requests in the RateLimit headers, then answers 429 with Retry-After", async () => {
    const other = await registerCustomer(service.rest, "Other");
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey });
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-policy")).toBe('"sandbox";q=5;w=3600');
      remaining.push(res.headers.get("ratelimit")!.match(/r=(\d+)/)![1]);
    }
    expect(remaining).toEqual(["4", "3", "2", "1", "0"]);
    const refused = await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // GraphQL draws on the same allowance.
    const graphql = await fetch(`${service.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${customer.apiKey}` },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    expect(graphql.status).toBe(429);
    expect((await graphql.json()).errors[0].extensions.code).toBe("rate_limited");
    // Another customer is not affected; health needs no key and is not limited.
    expect((await service.rest.get("/v1/customers/me", { apiKey: other.apiKey })).status).toBe(200);
    expect((await service.rest.get("/v1/health")).status).toBe(200);
  });

  it("charges GraphQL by query cost", async () => {
    const fresh = await registerCustomer(service.rest, "Costly");
    const ask = (query: string) =>
      fetch(`${service.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${fresh.apiKey}` },
        body: JSON.stringify({ query }),
      });
    const cheap = await ask("{ me { id } }");
    expect(cheap.headers.get("ratelimit")).toContain("r=4;");
    // A page of 100 tasks with their fields costs several points at once.
    const costly = await ask("{ tasks(first: 100) { edges { node { id status type createdAt result confidence } } } }");
    expect(costly.status).toBe(200);
    expect(Number(costly.headers.get("ratelimit")!.match(/r=(\d+)/)![1])).toBeLessThan(3);
  });

  it("limits registrations per client address", async () => {
    // Three registrations from this address happened above: the hour's allowance.
    const refused = await service.rest.post("/v1/customers", { name: "Fourth", email: "fourth@example.com" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe('"registration";q=3;w=3600');
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Neither a junk Authorization header nor GraphQL gets around it.
    const withJunkKey = await service.rest.post("/v1/customers", { name: "Fifth", email: "fifth@example.com" }, { apiKey: "junk" });
    expect(withJunkKey.status).toBe(429);
    const graphql = await service.graphql(`mutation { registerCustomer(input: { name: "Sixth", email: "sixth@example.com" }) { __typename } }`);
    expect(graphql.errors?.[0].extensions?.code).toBe("rate_limited");
  });
});
