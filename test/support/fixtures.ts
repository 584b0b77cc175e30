// Small builders for test data that go through the public API, as a customer would.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { RestClient } from "./harness.js";

export interface Customer {
  customerId: string;
  apiKey: string;
}

export async function registerCustomer(rest: RestClient, name = "Acme"): Promise<Customer> {
  const res = await rest.post("/v1/customers", { name, email: `ops+${randomBytes(5).toString("hex")}@acme.example` });
  expect(res.status).toBe(201);
  return { customerId: res.body.customer_id, apiKey: res.body.api_key };
}

export const imageTask = (overrides: Record<string, unknown> = {}) => ({
  type: "image_classification",
  data_url: "https://example.com/i.jpg",
  label_spec: { question: "Q?", options: ["a", "b"] },
  ...overrides,
});
