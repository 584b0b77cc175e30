// The error-code reference: docs/errors.md is generated from the catalogue the
// server raises its errors from, OpenAPI declares the same codes as an enum,
// and real answers carry a listed code with the listed status.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES, type ErrorCode } from "../../src/domain/shared/index.js";
import { renderErrorReference } from "../../src/rest/error-reference.js";
import { startTestService, type TestService } from "../support/harness.js";
import { registerCustomer } from "../support/fixtures.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

describe("docs/errors.md", () => {
  it("is up to date (run `npm run docs:errors` after changing src/domain/shared/error-codes.ts)", () => {
    expect(readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8")).toBe(renderErrorReference());
  });

  it("names every code with its status and what to do", () => {
    const reference = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(reference).toMatch(new RegExp(`^\\| \`${code}\` \\| ${entry.status} \\| .+ \\| .+ \\|$`, "m"));
    }
  });
});

describe("the codes in OpenAPI", () => {
  it("are the catalogue's, as an enum", async () => {
    const document = (await service.rest.get("/v1/openapi.json")).body;
    expect(document.components.schemas.ErrorCode.enum).toEqual(Object.keys(ERROR_CODES));
  });
});

describe("real answers", () => {
  it("carry a catalogued code with its catalogued status", async () => {
    const customer = await registerCustomer(service.rest);
    const email = `taken+${Date.now()}@acme.example`;
    await service.rest.post("/v1/customers", { name: "First", email });
    const answers = [
      await service.rest.get("/v1/tasks/tsk_nope", { apiKey: customer.apiKey }),
      await service.rest.get("/v1/tasks"),
      await service.rest.post("/v1/customers", '{"name": '),
      await service.rest.post("/v1/customers", { name: "x" }),
      await service.rest.post("/v1/customers", { name: "Again", email }),
      await service.rest.request("DELETE", "/v1/health"),
      await service.rest.post("/v1/customers", "name=x", { headers: { "content-type": "text/plain" } }),
    ];
    const seen = answers.map((answer) => [answer.body.error.code, answer.status]);
    expect(seen).toEqual([
      ["not_found", 404],
      ["unauthorized", 401],
      ["invalid_json", 400],
      ["invalid_request", 400],
      ["email_taken", 409],
      ["method_not_allowed", 405],
      ["unsupported_media_type", 415],
    ]);
    for (const [code, status] of seen) expect(ERROR_CODES[code as ErrorCode].status).toBe(status);
  });
});
