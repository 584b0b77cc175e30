// Annotator helpers: accounts created by the operator through GraphQL, work done through the annotator API.
import { expect } from "vitest";
import { registerCustomer, type Customer } from "./fixtures.js";
import { TEST_ADMIN_TOKEN, type GraphQLClient, type TestService } from "./harness.js";

export async function createAnnotator(graphql: GraphQLClient, name: string): Promise<{ id: string; token: string }> {
  const result = await graphql(
    `mutation($name: String!) { createAnnotator(name: $name) { ... on MutationCreateAnnotatorSuccess { data { token annotator { id } } } } }`,
    { name },
    { apiKey: TEST_ADMIN_TOKEN },
  );
  const data = result.data?.createAnnotator?.data;
  expect(data, JSON.stringify(result)).toBeTruthy();
  return { id: data.annotator.id, token: data.token };
}

/** Makes the customer live and answers its new live key (whose tasks go to people). */
export async function makeLive(graphql: GraphQLClient, customerId: string, labelQuota = 100_000): Promise<string> {
  const result = await graphql(
    `mutation($id: ID!, $quota: Int!) {
      setCustomerTier(customerId: $id, tier: LIVE, labelQuota: $quota) { ... on MutationSetCustomerTierSuccess { data { tier liveApiKey } } }
    }`,
    { id: customerId, quota: labelQuota },
    { apiKey: TEST_ADMIN_TOKEN },
  );
  const change = result.data?.setCustomerTier?.data;
  expect(change?.liveApiKey, JSON.stringify(result)).toMatch(/^sk_live_/);
  return change.liveApiKey;
}

/** A new customer made live: its id, and `as` to send requests with its live key. */
export async function registerLiveCustomer(service: Pick<TestService, "rest" | "graphql">, name: string): Promise<{ customer: Customer; as: { apiKey: string } }> {
  const customer = await registerCustomer(service.rest, name);
  return { customer, as: { apiKey: await makeLive(service.graphql, customer.customerId) } };
}

export const NEXT = `mutation($types: [TaskType!]) { nextAssignment(types: $types) { id leasedUntil task { taskId type data dataUrl labelSpec } } }`;
export const SUBMIT = `mutation($id: ID!, $answer: JSON!) { submitJudgment(assignmentId: $id, answer: $answer) {
  __typename ... on MutationSubmitJudgmentSuccess { data { judgmentId taskStatus } } ... on AppError { code message details } } }`;
export const RELEASE = `mutation($id: ID!) { releaseAssignment(assignmentId: $id) { __typename ... on AppError { code } } }`;
