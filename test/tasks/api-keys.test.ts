// Keys per environment: a sandbox key's tasks go to the simulated crowd and
// its own quota, a live key's (issued once, when an operator makes the
// customer live) to people; keys are created, listed and revoked by their owner.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { createAnnotator, makeLive, NEXT } from "../support/annotators.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const SET_TIER = `mutation($id: ID!, $tier: CustomerTier!, $quota: Int!) {
  setCustomerTier(customerId: $id, tier: $tier, labelQuota: $quota) { ... on MutationSetCustomerTierSuccess { data { tier labelQuota liveApiKey } } }
}`;

async function profile(apiKey: string) {
  const res = await service.rest.get("/v1/customers/me", { apiKey });
  expect(res.status).toBe(200);
  return res.body;
}

describe("API keys per environment", () => {
  it("sends a live key's tasks to people and a sandbox key's to the simulated crowd, each on its own quota", async () => {
    const customer = await registerCustomer(service.rest, "Two Envs");
    const sandboxKey = customer.apiKey;
    // A sandbox customer cannot make itself a live key.
    const refused = await service.rest.post("/v1/api-keys", { environment: "live" }, { apiKey: sandboxKey });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("live_not_enabled");

    const liveKey = await makeLive(service.graphql, customer.customerId, 1_000);
    // The live key is issued once: making the customer live again issues none.
    const again = await service.graphql(SET_TIER, { id: customer.customerId, tier: "LIVE", quota: 2_000 }, { apiKey: TEST_ADMIN_TOKEN });
    expect(again.data.setCustomerTier.data).toEqual({ tier: "LIVE", labelQuota: 2_000, liveApiKey: null });

    const liveTask = await service.rest.post("/v1/tasks", imageTask(), { apiKey: liveKey });
    const sandboxTask = await service.rest.post("/v1/tasks", imageTask(), { apiKey: sandboxKey });
    expect([liveTask.status, sandboxTask.status]).toEqual([202, 202]);

    expect(await profile(liveKey)).toMatchObject({ tier: "live", environment: "live", label_quota: 2_000, labels_used: 1, api_key_prefix: liveKey.slice(0, 12) });
    expect(await profile(sandboxKey)).toMatchObject({ tier: "live", environment: "sandbox", label_quota: 500, labels_used: 1 });

    // A human annotator is offered the live task only; the sandbox one waits for the simulated crowd.
    const annotator = await createAnnotator(service.graphql, "env-annotator");
    const first = await service.graphql(NEXT, {}, { apiKey: annotator.token });
    expect(first.data.nextAssignment.task.taskId).toBe(liveTask.body.task_id);
    const second = await service.graphql(NEXT, {}, { apiKey: annotator.token });
    expect(second.data.nextAssignment).toBeNull();

    // Live keys are managed with a live key: a leaked sandbox key can neither mint one nor revoke one.
    const [liveKeyRow] = (await service.rest.get("/v1/api-keys", { apiKey: sandboxKey })).body.data.filter((key: any) => key.environment === "live");
    const minted = await service.rest.post("/v1/api-keys", { environment: "live" }, { apiKey: sandboxKey });
    const revokedBySandbox = await service.rest.delete(`/v1/api-keys/${liveKeyRow.key_id}`, { apiKey: sandboxKey });
    expect([minted.status, minted.body.error.code, revokedBySandbox.status, revokedBySandbox.body.error.code]).toEqual([403, "live_key_required", 403, "live_key_required"]);
    const overGraphQL = await service.graphql(
      `mutation($id: ID!) { revokeApiKey(id: $id) { __typename ... on AppError { code } } }`,
      { id: liveKeyRow.key_id },
      { apiKey: sandboxKey },
    );
    expect(overGraphQL.data.revokeApiKey.code).toBe("live_key_required");
    expect((await profile(liveKey)).environment).toBe("live");
    expect((await service.rest.get("/v1/api-keys", { apiKey: liveKey })).body.data.filter((key: any) => key.environment === "live")).toHaveLength(1);
    // A live key manages both: here a second live key, and a sandbox key for CI, revoked again.
    const secondLive = await service.rest.post("/v1/api-keys", { environment: "live" }, { apiKey: liveKey });
    const ciKey = await service.rest.post("/v1/api-keys", { environment: "sandbox" }, { apiKey: liveKey });
    expect([secondLive.status, secondLive.body.environment, ciKey.status, ciKey.body.environment]).toEqual([201, "live", 201, "sandbox"]);
    expect((await service.rest.delete(`/v1/api-keys/${ciKey.body.key_id}`, { apiKey: liveKey })).status).toBe(200);
    expect((await service.rest.delete(`/v1/api-keys/${secondLive.body.key_id}`, { apiKey: liveKey })).status).toBe(200);

    // Back to sandbox: the live key stops working, the sandbox one goes on.
    await service.graphql(SET_TIER, { id: customer.customerId, tier: "SANDBOX", quota: 600 }, { apiKey: TEST_ADMIN_TOKEN });
    const revoked = await service.rest.get("/v1/customers/me", { apiKey: liveKey });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.reason).toBe("unknown");
    expect(await profile(sandboxKey)).toMatchObject({ tier: "sandbox", label_quota: 600 });
  });

  it("rotates a key: create a new one, revoke the old, with creation and last-use times listed", async () => {
    const customer = await registerCustomer(service.rest, "Rotator");
    const before = await service.rest.get("/v1/api-keys", { apiKey: customer.apiKey });
    expect(before.status).toBe(200);
    expect(before.body.data).toHaveLength(1);
    const [original] = before.body.data;
    expect(original).toMatchObject({ key_id: expect.stringMatching(/^key_/), prefix: customer.apiKey.slice(0, 15), environment: "sandbox", revoked_at: null });
    // This very listing used the key.
    expect(Date.parse(original.last_used_at)).toBeGreaterThanOrEqual(Date.parse(original.created_at));
    expect(JSON.stringify(before.body)).not.toContain(customer.apiKey);

    const created = await service.rest.post("/v1/api-keys", {}, { apiKey: customer.apiKey });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ environment: "sandbox", api_key: expect.stringMatching(/^sk_sandbox_/), last_used_at: null, revoked_at: null });
    const newKey = created.body.api_key as string;
    expect((await profile(newKey)).customer_id).toBe(customer.customerId);

    const revoked = await service.rest.delete(`/v1/api-keys/${original.key_id}`, { apiKey: newKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect((await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey })).status).toBe(401);
    // Revoking again answers the key as it is.
    expect((await service.rest.delete(`/v1/api-keys/${original.key_id}`, { apiKey: newKey })).body.revoked_at).toBe(revoked.body.revoked_at);

    // The last active key stays: a customer cannot lock itself out.
    const last = await service.rest.delete(`/v1/api-keys/${created.body.key_id}`, { apiKey: newKey });
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe("last_active_key");

    const listed = await service.rest.get("/v1/api-keys", { apiKey: newKey });
    expect(listed.body.data.map((key: any) => [key.key_id, key.revoked_at === null])).toEqual([
      [created.body.key_id, true],
      [original.key_id, false],
    ]);
  });

  it("stops a key within a second in a process that missed its revocation, and records its use at most every 30 s", async () => {
    const { apiKey } = await registerCustomer(service.rest, "Missed revocation");
    const [first] = (await service.rest.get("/v1/api-keys", { apiKey })).body.data;
    // Past the auth cache's second: this request looks the key up again, and leaves its recent last use alone.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const [second] = (await service.rest.get("/v1/api-keys", { apiKey })).body.data;
    expect(second.last_used_at).toBe(first.last_used_at);

    // Revoked as by another process whose message never reached this one: nothing clears this process's cache.
    await service.deps.prisma.$executeRaw`UPDATE api_keys SET revoked_at = now() WHERE id = ${first.key_id}`;
    await expect.poll(async () => (await service.rest.get("/v1/customers/me", { apiKey })).status, { timeout: 3_000, interval: 100 }).toBe(401);
  });

  it("keeps keys private to their customer and refuses bad input", async () => {
    const mine: Customer = await registerCustomer(service.rest, "Mine");
    const theirs: Customer = await registerCustomer(service.rest, "Theirs");
    const [theirKey] = (await service.rest.get("/v1/api-keys", { apiKey: theirs.apiKey })).body.data;
    const foreign = await service.rest.delete(`/v1/api-keys/${theirKey.key_id}`, { apiKey: mine.apiKey });
    expect(foreign.status).toBe(404);
    expect((await service.rest.get("/v1/customers/me", { apiKey: theirs.apiKey })).status).toBe(200);
    const bad = await service.rest.post("/v1/api-keys", { environment: "production" }, { apiKey: mine.apiKey });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_request");
    const unknownField = await service.rest.post("/v1/api-keys", { name: "ci" }, { apiKey: mine.apiKey });
    expect(unknownField.status).toBe(400);
  });

  it("does the same over GraphQL", async () => {
    const customer = await registerCustomer(service.rest, "GraphQL Keys");
    const created = await service.graphql(
      `mutation { createApiKey(environment: SANDBOX) { ... on MutationCreateApiKeySuccess { data { apiKey key { id environment revokedAt } } } } }`,
      {},
      { apiKey: customer.apiKey },
    );
    const { apiKey, key } = created.data.createApiKey.data;
    expect(apiKey).toMatch(/^sk_sandbox_/);
    expect(key).toMatchObject({ environment: "SANDBOX", revokedAt: null });
    const listed = await service.graphql(`{ apiKeys { id prefix lastUsedAt } }`, {}, { apiKey });
    expect(listed.data.apiKeys).toHaveLength(2);
    const oldId = listed.data.apiKeys.find((k: any) => k.id !== key.id).id;
    const revoked = await service.graphql(
      `mutation($id: ID!) { revokeApiKey(id: $id) { ... on MutationRevokeApiKeySuccess { data { id revokedAt } } ... on AppError { code } } }`,
      { id: oldId },
      { apiKey },
    );
    expect(revoked.data.revokeApiKey.data).toMatchObject({ id: oldId, revokedAt: expect.any(String) });
    const refused = await service.graphql(`{ me { id } }`, {}, { apiKey: customer.apiKey });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: "unauthorized", reason: "unknown" });
  });
});
