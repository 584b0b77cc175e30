// Team accounts as a customer uses them: members invited, joining with a
// password, signing in and out; and the role matrix — each role (and each key
// scope) against each mutating REST route and GraphQL mutation, allowed or
// refused with one 403 naming the roles needed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { subscribe, wsClient } from "../support/ws.js";

let service: TestService;
let owner: Customer;
beforeAll(async () => {
  service = await startTestService();
  owner = await registerCustomer(service.rest, "Team Co");
});
afterAll(() => service.close());

const PASSWORD = "a long and correct passphrase";
let emails = 0;

/** Invites someone with the role (using `by`), accepts, signs in: their bearer token and member id. */
async function join(role: string, by = owner.apiKey): Promise<{ token: string; memberId: string; email: string }> {
  const email = `person${++emails}-${Date.now()}@team.example`;
  const invited = await service.rest.post("/v1/members", { email, role }, { apiKey: by });
  expect(invited.status, invited.text).toBe(201);
  expect(invited.body.invitation.url).toMatch(/\/console#accept=inv_/);
  const accepted = await service.rest.post("/v1/invitations/accept", { token: invited.body.invitation.token, password: PASSWORD });
  expect(accepted.body).toMatchObject({ status: "active", role, email });
  const session = await service.rest.post("/v1/sessions", { email, password: PASSWORD });
  expect(session.status, session.text).toBe(201);
  return { token: session.body.token, memberId: invited.body.member_id, email };
}

type Principal = "owner" | "admin" | "member" | "viewer" | "billing" | "full key" | "read_only key";
const PRINCIPALS: Principal[] = ["owner", "admin", "member", "viewer", "billing", "full key", "read_only key"];
let credentials: Record<Principal, string>;

beforeAll(async () => {
  const readOnly = await service.rest.post("/v1/api-keys", { scope: "read_only" }, { apiKey: owner.apiKey });
  expect(readOnly.body.scope).toBe("read_only");
  credentials = {
    owner: (await join("owner")).token,
    admin: (await join("admin")).token,
    member: (await join("member")).token,
    viewer: (await join("viewer")).token,
    billing: (await join("billing")).token,
    "full key": owner.apiKey,
    "read_only key": readOnly.body.api_key,
  };
});

const MANAGERS: Principal[] = ["owner", "admin", "full key"];
const LABELERS: Principal[] = [...MANAGERS, "member"];

/** The spec: who may call each mutating route (everyone else gets 403 forbidden). */
const REST_MATRIX: { route: string; allowed: Principal[]; call: (apiKey: string) => Promise<{ status: number; body: any }> }[] = [
  { route: "POST /v1/tasks", allowed: LABELERS, call: (apiKey) => service.rest.post("/v1/tasks", imageTask(), { apiKey }) },
  { route: "POST /v1/tasks/batch", allowed: LABELERS, call: (apiKey) => service.rest.post("/v1/tasks/batch", { tasks: [imageTask()] }, { apiKey }) },
  { route: "POST /v1/tasks/{id}/cancel", allowed: LABELERS, call: (apiKey) => service.rest.post("/v1/tasks/tsk_missing/cancel", undefined, { apiKey }) },
  {
    route: "POST /v1/jobs",
    allowed: LABELERS,
    call: (apiKey) => service.rest.post("/v1/jobs", { manifest_url: "https://manifests.example.com/m.jsonl", label_spec: { question: "Q?", options: ["a", "b"] } }, { apiKey }),
  },
  { route: "POST /v1/jobs/{id}/cancel", allowed: LABELERS, call: (apiKey) => service.rest.post("/v1/jobs/job_missing/cancel", undefined, { apiKey }) },
  { route: "POST /v1/api-keys", allowed: MANAGERS, call: (apiKey) => service.rest.post("/v1/api-keys", {}, { apiKey }) },
  { route: "DELETE /v1/api-keys/{id}", allowed: MANAGERS, call: (apiKey) => service.rest.delete("/v1/api-keys/key_missing", { apiKey }) },
  { route: "POST /v1/webhooks", allowed: MANAGERS, call: (apiKey) => service.rest.post("/v1/webhooks", { callback_url: "https://hooks.example.com/team" }, { apiKey }) },
  { route: "DELETE /v1/webhooks/{id}", allowed: MANAGERS, call: (apiKey) => service.rest.delete("/v1/webhooks/whk_missing", { apiKey }) },
  { route: "POST /v1/members", allowed: MANAGERS, call: (apiKey) => service.rest.post("/v1/members", { email: `m${++emails}@team.example`, role: "viewer" }, { apiKey }) },
  { route: "PATCH /v1/members/{id}", allowed: MANAGERS, call: (apiKey) => service.rest.request("PATCH", "/v1/members/mem_missing", { role: "viewer" }, { apiKey }) },
  { route: "DELETE /v1/members/{id}", allowed: MANAGERS, call: (apiKey) => service.rest.delete("/v1/members/mem_missing", { apiKey }) },
];

const READ_MATRIX: { route: string; allowed: Principal[] }[] = [
  { route: "/v1/tasks", allowed: ["owner", "admin", "member", "viewer", "full key", "read_only key"] },
  { route: "/v1/jobs", allowed: ["owner", "admin", "member", "viewer", "full key", "read_only key"] },
  { route: "/v1/billing/invoices", allowed: ["owner", "admin", "billing", "full key", "read_only key"] },
  { route: "/v1/billing/usage", allowed: ["owner", "admin", "billing", "full key", "read_only key"] },
  { route: "/v1/customers/me", allowed: PRINCIPALS },
  { route: "/v1/dashboard/overview", allowed: PRINCIPALS },
  { route: "/v1/audit-events", allowed: PRINCIPALS },
  { route: "/v1/members", allowed: PRINCIPALS },
];

const GRAPHQL_MATRIX: { mutation: string; allowed: Principal[]; document: string }[] = [
  { mutation: "submitTask", allowed: LABELERS, document: `mutation { submitTask(input: { type: IMAGE_CLASSIFICATION, dataUrl: "https://e.com/g.jpg", labelSpec: { question: "Q?", options: ["a", "b"] } }) { __typename } }` },
  { mutation: "cancelTask", allowed: LABELERS, document: `mutation { cancelTask(id: "tsk_missing") { __typename } }` },
  { mutation: "cancelJob", allowed: LABELERS, document: `mutation { cancelJob(id: "job_missing") { __typename } }` },
  { mutation: "createApiKey", allowed: MANAGERS, document: `mutation { createApiKey { __typename } }` },
  { mutation: "revokeApiKey", allowed: MANAGERS, document: `mutation { revokeApiKey(id: "key_missing") { __typename } }` },
  { mutation: "createWebhook", allowed: MANAGERS, document: `mutation { createWebhook(callbackUrl: "https://hooks.example.com/gql") { __typename } }` },
  { mutation: "deleteWebhook", allowed: MANAGERS, document: `mutation { deleteWebhook(id: "whk_missing") { __typename } }` },
  { mutation: "rotateWebhookSecret", allowed: MANAGERS, document: `mutation { rotateWebhookSecret(id: "whk_missing") { __typename } }` },
  { mutation: "redeliver", allowed: MANAGERS, document: `mutation { redeliver(deliveryId: "dlv_missing") { __typename } }` },
  { mutation: "inviteMember", allowed: MANAGERS, document: `mutation { inviteMember(email: "gql-EMAIL@team.example", role: VIEWER) { __typename } }` },
  { mutation: "changeMemberRole", allowed: MANAGERS, document: `mutation { changeMemberRole(id: "mem_missing", role: VIEWER) { __typename } }` },
  { mutation: "removeMember", allowed: MANAGERS, document: `mutation { removeMember(id: "mem_missing") { __typename } }` },
];

describe("roles and key scopes", () => {
  it("REST: each mutating route lets exactly its roles through, and refuses the others with 403 forbidden naming the roles needed", async () => {
    for (const { route, allowed, call } of REST_MATRIX) {
      for (const principal of PRINCIPALS) {
        const res = await call(credentials[principal]);
        if (allowed.includes(principal)) {
          expect(res.status, `${principal} ${route}: ${JSON.stringify(res.body)}`).not.toBe(403);
          expect(res.status, `${principal} ${route}`).toBeLessThan(500);
        } else {
          expect(res.status, `${principal} ${route}`).toBe(403);
          expect(res.body.error).toMatchObject({ code: "forbidden", roles_allowed: expect.arrayContaining(["admin", "owner"]) });
          expect(res.body.error.message).toMatch(/you need the .*owner role/);
        }
      }
    }
  });

  it("REST reads: billing sees money, not labels; viewers labels, not money; every role the account", async () => {
    for (const { route, allowed } of READ_MATRIX) {
      for (const principal of PRINCIPALS) {
        const res = await service.rest.get(route, { apiKey: credentials[principal] });
        expect(res.status, `${principal} GET ${route}`).toBe(allowed.includes(principal) ? 200 : 403);
      }
    }
  });

  it("GraphQL: each mutation the same way, over HTTP", async () => {
    for (const { mutation, allowed, document } of GRAPHQL_MATRIX) {
      for (const principal of PRINCIPALS) {
        const result = await service.graphql(document.replace("EMAIL", String(++emails)), {}, { apiKey: credentials[principal] });
        const codes = (result.errors ?? []).map((error: any) => error.extensions?.code);
        if (allowed.includes(principal)) {
          expect(codes, `${principal} ${mutation}: ${JSON.stringify(result)}`).not.toContain("forbidden");
          expect(codes, `${principal} ${mutation}`).not.toContain("internal_error");
        } else {
          expect(codes, `${principal} ${mutation}`).toEqual(["forbidden"]);
          expect(result.data ?? null).toBeNull();
        }
      }
    }
    // Reads too, and a fragment does not hide a root field.
    const billing = await service.graphql(`query { ...F } fragment F on Query { tasks(first: 1) { edges { node { id } } } }`, {}, { apiKey: credentials.billing });
    expect(billing.errors?.[0]?.extensions?.code).toBe("forbidden");
    const viewer = await service.graphql(`{ invoices { edges { node { id } } } }`, {}, { apiKey: credentials.viewer });
    expect(viewer.errors?.[0]?.extensions?.code).toBe("forbidden");
  });

  it("GraphQL over graphql-ws: a subscription is refused to a role without the permission, allowed to one with it", async () => {
    const task = await service.rest.post("/v1/tasks", imageTask(), { apiKey: owner.apiKey });
    const query = `subscription($id: ID!) { taskStatusChanged(taskId: $id) { id status } }`;
    for (const [principal, expected] of [["billing", "forbidden"], ["viewer", "PENDING"]] as const) {
      const client = wsClient(service.url, { authorization: `Bearer ${credentials[principal]}` });
      try {
        const subscription = await subscribe<any>(client, query, { id: task.body.task_id });
        const first = await subscription.next(5_000).catch((error) => ({ errors: Array.isArray(error) ? error : [error] }));
        if (expected === "forbidden") expect(first.errors?.[0]?.extensions?.code ?? first.errors?.[0]?.message, principal).toMatch(/forbidden|you need/);
        else expect(first.taskStatusChanged.status, principal).toBe(expected);
        await subscription.dispose();
      } finally {
        await client.dispose();
      }
    }
  });

  it("only an owner makes, changes or removes an owner; the last owner stays", async () => {
    const byAdmin = await service.rest.post("/v1/members", { email: `o${++emails}@team.example`, role: "owner" }, { apiKey: credentials.admin });
    expect(byAdmin.status).toBe(403);
    const other = await join("viewer");
    const promote = await service.rest.request("PATCH", `/v1/members/${other.memberId}`, { role: "owner" }, { apiKey: credentials.admin });
    expect(promote.status).toBe(403);

    const solo = await registerCustomer(service.rest, "Solo Co");
    const lone = await join("owner", solo.apiKey);
    const demote = await service.rest.request("PATCH", `/v1/members/${lone.memberId}`, { role: "admin" }, { apiKey: lone.token });
    expect(demote.body.error.code).toBe("last_owner");
    const remove = await service.rest.delete(`/v1/members/${lone.memberId}`, { apiKey: solo.apiKey });
    expect(remove.body.error.code).toBe("last_owner");
  });
});

describe("members and sessions", () => {
  it("a removed member's sessions end at once; signing out ends the session presented", async () => {
    const leaving = await join("member");
    expect((await service.rest.get("/v1/tasks", { apiKey: leaving.token })).status).toBe(200);
    expect((await service.rest.delete(`/v1/members/${leaving.memberId}`, { apiKey: owner.apiKey })).status).toBe(204);
    const after = await service.rest.get("/v1/tasks", { apiKey: leaving.token });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/session/);
    expect((await service.rest.post("/v1/sessions", { email: leaving.email, password: PASSWORD })).status).toBe(401);

    const staying = await join("viewer");
    expect((await service.rest.delete("/v1/sessions/current", { apiKey: staying.token })).status).toBe(204);
    expect((await service.rest.get("/v1/customers/me", { apiKey: staying.token })).status).toBe(401);
  });

  it("a wrong password, an unknown email and a used invitation get the same refusals", async () => {
    const someone = await join("viewer");
    const wrong = await service.rest.post("/v1/sessions", { email: someone.email, password: "not the passphrase" });
    const unknown = await service.rest.post("/v1/sessions", { email: "nobody@team.example", password: "not the passphrase" });
    expect(wrong.status).toBe(401);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
    const short = await service.rest.post("/v1/invitations/accept", { token: `inv_${"a".repeat(43)}`, password: "short" });
    expect(short.body.error).toMatchObject({ code: "invalid_request", errors: [{ path: "password" }] });
    const unknownInvitation = await service.rest.post("/v1/invitations/accept", { token: `inv_${"a".repeat(43)}`, password: PASSWORD });
    expect(unknownInvitation.status).toBe(404);
  });

  it("the console's sign-in sets an HTTP-only, same-site cookie and answers no token; the cookie authenticates REST and GraphQL", async () => {
    const person = await join("viewer");
    const signedIn = await service.rest.post("/v1/sessions", { email: person.email, password: PASSWORD, cookie: true });
    expect(signedIn.status).toBe(201);
    expect(signedIn.body).not.toHaveProperty("token");
    const cookie = signedIn.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^refinery_session=ses_[A-Za-z0-9_-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    const session = cookie.split(";")[0];
    const me = await service.rest.get("/v1/customers/me", { headers: { cookie: session } });
    expect(me.status).toBe(200);
    const graphql = await service.graphql(`{ members { email role } }`, {}, { headers: { cookie: session } });
    expect(graphql.data.members).toContainEqual({ email: person.email, role: "VIEWER" });
    const out = await service.rest.delete("/v1/sessions/current", { headers: { cookie: session } });
    expect(out.headers.get("set-cookie")).toMatch(/refinery_session=; Path=\/; Max-Age=0/);
    expect((await service.rest.get("/v1/customers/me", { headers: { cookie: session } })).status).toBe(401);
  });

  it("another customer cannot see or change this team", async () => {
    const other = await registerCustomer(service.rest, "Other Team Co");
    const mine = await service.rest.get("/v1/members", { apiKey: owner.apiKey });
    const someone = mine.body.data[0];
    expect((await service.rest.get("/v1/members", { apiKey: other.apiKey })).body.data).toEqual([]);
    expect((await service.rest.request("PATCH", `/v1/members/${someone.member_id}`, { role: "viewer" }, { apiKey: other.apiKey })).status).toBe(404);
    expect((await service.rest.delete(`/v1/members/${someone.member_id}`, { apiKey: other.apiKey })).status).toBe(404);
  });

  it("GraphQL: every root field needs a permission or is not a customer's", async () => {
    const { FIELD_PERMISSIONS, NOT_CUSTOMER_FIELDS } = await import("../../src/graphql/permissions.js");
    const { schema } = await import("../../src/graphql/schema.js");
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
      Object.keys(type!.getFields()).map((field) => `${type!.name}.${field}`),
    );
    expect(roots.filter((field) => !(field in FIELD_PERMISSIONS) && !NOT_CUSTOMER_FIELDS.includes(field))).toEqual([]);
  });
});
