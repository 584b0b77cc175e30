// One refusal per mistake — missing, malformed, unknown or wrong kind of
// credential — with the same code, reason and message over REST, GraphQL over
// HTTP, GraphQL over SSE and graphql-ws.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { registerCustomer, type Customer } from "../support/fixtures.js";
import { createAnnotator } from "../support/annotators.js";
import { subscribe, wsClient } from "../support/ws.js";

let service: TestService;
let customer: Customer;
let annotatorToken: string;
beforeAll(async () => {
  service = await startTestService();
  customer = await registerCustomer(service.rest, "Auth Co");
  annotatorToken = (await createAnnotator(service.graphql, "auth-annotator")).token;
});
afterAll(() => service.close());

interface Refusal {
  code: string;
  reason: string;
  message: string;
}

const ME = "query { me { id } }";
const UPDATES = "subscription { taskUpdates { task { id } } }";

async function overRest(authorization?: string): Promise<Refusal> {
  const res = await service.rest.get("/v1/customers/me", { headers: authorization ? { authorization } : {} });
  expect(res.status).toBe(401);
  return { code: res.body.error.code, reason: res.body.error.reason, message: res.body.error.message };
}

function fromGraphQL(errors: { message: string; extensions: Record<string, any> }[] | undefined): Refusal {
  expect(errors).toHaveLength(1);
  const [error] = errors!;
  return { code: error.extensions.code, reason: error.extensions.reason, message: error.message };
}

async function overGraphQL(query: string, authorization?: string): Promise<Refusal> {
  return fromGraphQL((await service.graphql(query, {}, { headers: authorization ? { authorization } : {} })).errors as never);
}

async function overSse(authorization?: string): Promise<Refusal> {
  const response = await fetch(`${service.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query: UPDATES }),
  });
  const text = await response.text();
  const data = text.split("\n").find((line) => line.startsWith("data:") && line.includes("errors"));
  return fromGraphQL(JSON.parse(data!.slice(5)).errors);
}

async function overWebSocket(authorization?: string): Promise<Refusal> {
  const client = wsClient(service.url, authorization ? { authorization } : undefined);
  try {
    const sub = await subscribe(client, UPDATES);
    return fromGraphQL((await sub.next()).errors);
  } finally {
    await client.dispose();
  }
}

describe("refusals of credentials", () => {
  const cases: [string, () => string | undefined, Omit<Refusal, "code">][] = [
    ["no credential", () => undefined, { reason: "missing", message: "send your API key as 'Authorization: Bearer <api_key>'" }],
    [
      "a malformed one",
      () => "Bearer not-a-key",
      { reason: "malformed", message: "the credential sent is not one this service issues: send your API key as 'Authorization: Bearer <api_key>'" },
    ],
    ["an unknown API key", () => `Bearer sk_sandbox_${"x".repeat(32)}`, { reason: "unknown", message: "the API key is invalid or has been revoked" }],
    ["an annotator token", () => `Bearer ${annotatorToken}`, { reason: "wrong_kind", message: "this operation needs an API key, not an annotator token" }],
  ];

  it.each(cases)("answers %s the same way on every transport", async (_label, authorization, expected) => {
    const refusal = { code: "unauthorized", ...expected };
    expect(await overRest(authorization())).toEqual(refusal);
    expect(await overGraphQL(ME, authorization())).toEqual(refusal);
    expect(await overSse(authorization())).toEqual(refusal);
    expect(await overWebSocket(authorization())).toEqual(refusal);
  });

  it("says which credential an annotator or operator field needs", async () => {
    expect(await overGraphQL("mutation { nextAssignment { id } }", `Bearer ${customer.apiKey}`)).toEqual({
      code: "unauthorized",
      reason: "wrong_kind",
      message: "this operation needs an annotator token, not an API key",
    });
    expect(await overGraphQL("mutation { nextAssignment { id } }", `Bearer at_${"x".repeat(32)}`)).toEqual({
      code: "unauthorized",
      reason: "unknown",
      message: "the annotator token is invalid or has been disabled",
    });
    const byCustomer = await service.graphql(
      'mutation { createAnnotator(name: "x") { ... on AppError { code message } ... on MutationCreateAnnotatorSuccess { data { token } } } }',
      {},
      { apiKey: customer.apiKey },
    );
    expect(byCustomer.data?.createAnnotator ?? byCustomer.errors?.[0]).toMatchObject({
      message: "this operation needs the operator's ADMIN_TOKEN, not an API key",
    });
  });
});
