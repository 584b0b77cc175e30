// /v1/openapi.json describes what the API really answers: every operation is
// called here, and each answer (status, headers, body) is checked against the
// document with a JSON Schema 2020-12 validator; /docs renders it offline.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchChromium, offlineContext, screenshotDir } from "../support/browser.js";
import { startTestService, type RestResponse, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";
import { restApi } from "../../src/rest/router.js";
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server, type S3Server } from "../support/s3.js";

const SCREENSHOTS = screenshotDir("docs");

let service: TestService;
let s3: S3Server;
let document: any;
let ajv: Ajv2020;
beforeAll(async () => {
  s3 = await startS3Server();
  service = await startTestService({ env: { ROLE: "all", S3_ENDPOINT: s3.endpoint } });
  document = (await service.rest.get("/v1/openapi.json")).body;
  // Formats (date-time, uri) are not checked: the shapes and values are.
  ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(document, "openapi");
});
afterAll(async () => {
  await service.close();
  await s3.close();
});

const pointer = (...segments: string[]) => segments.map((s) => encodeURIComponent(s.replaceAll("~", "~0").replaceAll("/", "~1"))).join("/");
const covered = new Set<string>();

/** Checks one real answer against the documented operation, and records the operation as exercised. */
function conforms(method: string, template: string, res: RestResponse) {
  const operation = document.paths[template]?.[method];
  expect(operation, `${method.toUpperCase()} ${template} is documented`).toBeDefined();
  const answer = operation.responses[String(res.status)];
  expect(answer, `${method.toUpperCase()} ${template} documents status ${res.status}: ${res.text.slice(0, 200)}`).toBeDefined();
  for (const header of Object.keys(answer.headers ?? {})) {
    if (["WWW-Authenticate", "Retry-After"].includes(header)) continue;
    expect(res.headers.get(header), `${method.toUpperCase()} ${template} ${res.status} sends ${header}`).not.toBeNull();
  }
  const [type] = Object.keys(answer.content ?? {});
  if (type) {
    const validate = ajv.getSchema(`openapi#/${pointer("paths", template, method, "responses", String(res.status), "content", type, "schema")}`)!;
    const bodies = type === "application/x-ndjson" ? res.text.trimEnd().split("\n").map((line) => JSON.parse(line)) : [res.body];
    for (const body of bodies) {
      expect(validate(body), `${method.toUpperCase()} ${template} ${res.status}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  }
  covered.add(`${method} ${template}`);
  return res;
}

describe("the OpenAPI document", () => {
  it("matches the real answers of every /v1 operation", async () => {
    const { rest } = service;
    conforms("get", "/v1/health", await rest.get("/v1/health"));
    conforms("get", "/v1/openapi.json", await rest.get("/v1/openapi.json"));
    const customer = await registerCustomer(rest, "OpenAPI Co");
    const apiKey = customer.apiKey;
    const as = { apiKey };
    conforms("post", "/v1/customers", await rest.post("/v1/customers", { name: "Other", email: "other@openapi.example" }, { headers: { "Idempotency-Key": "oa-1" } }));
    conforms("post", "/v1/customers", await rest.post("/v1/customers", { name: "" }));
    conforms("get", "/v1/customers/me", await rest.get("/v1/customers/me", as));
    conforms("get", "/v1/customers/me", await rest.get("/v1/customers/me"));

    const created = conforms("post", "/v1/api-keys", await rest.post("/v1/api-keys", {}, as));
    conforms("post", "/v1/api-keys", await rest.post("/v1/api-keys", { environment: "live" }, as));
    conforms("get", "/v1/api-keys", await rest.get("/v1/api-keys", as));
    conforms("delete", "/v1/api-keys/{id}", await rest.delete(`/v1/api-keys/${created.body.key_id}`, as));

    const task = conforms("post", "/v1/tasks", await rest.post("/v1/tasks", imageTask({ metadata: { row: 1 } }), as));
    conforms("post", "/v1/tasks", await rest.post("/v1/tasks", { type: "image_classification" }, as));
    const toCancel = await rest.post("/v1/tasks", imageTask({ replication: 3 }), as);
    conforms("post", "/v1/tasks/{id}/cancel", await rest.post(`/v1/tasks/${toCancel.body.task_id}/cancel`, undefined, as));
    conforms("post", "/v1/tasks/{id}/cancel", await rest.post(`/v1/tasks/${toCancel.body.task_id}/cancel`, undefined, as));
    const batch = conforms("post", "/v1/tasks/batch", await rest.post("/v1/tasks/batch", { tasks: [imageTask(), imageTask()] }, as));
    conforms("get", "/v1/tasks/{id}", await rest.get(`/v1/tasks/${task.body.task_id}`, as));
    conforms("get", "/v1/tasks/{id}", await rest.get("/v1/tasks/tsk_missing", as));
    conforms("get", "/v1/tasks/{id}/result", await rest.get(`/v1/tasks/${task.body.task_id}/result`, as));
    await expect.poll(async () => (await rest.get(`/v1/tasks/${task.body.task_id}/result`, as)).status, { timeout: 20_000 }).toBe(200);
    conforms("get", "/v1/tasks/{id}/result", await rest.get(`/v1/tasks/${task.body.task_id}/result`, as));
    conforms("get", "/v1/tasks/{id}/result", await rest.get(`/v1/tasks/${toCancel.body.task_id}/result`, as));
    conforms("get", "/v1/tasks", await rest.get("/v1/tasks?limit=2", as));
    conforms("get", "/v1/tasks", await rest.get("/v1/tasks?status=finished", as));
    conforms("get", "/v1/batches/{id}", await rest.get(`/v1/batches/${batch.body.batch_id}`, as));
    conforms("get", "/v1/batches/{id}/tasks", await rest.get(`/v1/batches/${batch.body.batch_id}/tasks`, as));
    conforms("get", "/v1/batches/{id}/ranking", await rest.get(`/v1/batches/${batch.body.batch_id}/ranking`, as));
    conforms("get", "/v1/batches/{id}/ranking", await rest.get("/v1/batches/bat_missing/ranking", as));

    const hook = conforms("post", "/v1/webhooks", await rest.post("/v1/webhooks", { callback_url: "https://hooks.example.com/x" }, as));
    conforms("get", "/v1/webhooks", await rest.get("/v1/webhooks", as));
    conforms("delete", "/v1/webhooks/{id}", await rest.delete(`/v1/webhooks/${hook.body.webhook_id}`, as));

    await s3.put("openapi.jsonl", ['{"source":"good"}', "not json", '{"source":"bad"}'].join("\n"));
    const job = conforms(
      "post",
      "/v1/jobs",
      await rest.post(
        "/v1/jobs",
        {
          manifest_url: `s3://${s3.bucket}/openapi.jsonl`,
          label_spec: { question: "Sentiment?", options: ["pos", "neg"] },
          s3_credentials: { access_key_id: S3_ACCESS_KEY_ID, secret_access_key: S3_SECRET_ACCESS_KEY, region: "us-east-1" },
        },
        as,
      ),
    );
    conforms("get", "/v1/jobs/{id}/export", await rest.get(`/v1/jobs/${job.body.job_id}/export`, as));
    await expect.poll(async () => (await rest.get(`/v1/jobs/${job.body.job_id}`, as)).body.status, { timeout: 30_000 }).toBe("completed");
    conforms("get", "/v1/jobs/{id}", await rest.get(`/v1/jobs/${job.body.job_id}`, as));
    conforms("get", "/v1/jobs/{id}/export", await rest.get(`/v1/jobs/${job.body.job_id}/export`, as));
    conforms("get", "/v1/jobs", await rest.get("/v1/jobs", as));
    conforms("get", "/v1/jobs/{id}/ranking", await rest.get(`/v1/jobs/${job.body.job_id}/ranking`, as));
    conforms("post", "/v1/jobs/{id}/cancel", await rest.post(`/v1/jobs/${job.body.job_id}/cancel`, undefined, as));

    const month = new Date().toISOString().slice(0, 7);
    conforms("get", "/v1/billing/usage", await rest.get(`/v1/billing/usage?month=${month}`, as));
    conforms("get", "/v1/billing/usage", await rest.get("/v1/billing/usage?month=2026-13", as));
    const invoices = conforms("get", "/v1/billing/invoices", await rest.get("/v1/billing/invoices", as));
    conforms("get", "/v1/billing/invoices/{id}", await rest.get(`/v1/billing/invoices/${invoices.body.data[0].invoice_id}`, as));
    conforms("get", "/v1/dashboard/overview", await rest.get("/v1/dashboard/overview", as));
    conforms("get", "/v1/dashboard/tasks", await rest.get("/v1/dashboard/tasks?page=1&per_page=2&status=&sort=created_at_desc", as));
    conforms("get", "/v1/dashboard/tasks", await rest.get("/v1/dashboard/tasks?per_page=500", as));
    conforms("get", "/v1/dashboard/quality", await rest.get("/v1/dashboard/quality", as));
    conforms("get", "/v1/dashboard/usage", await rest.get("/v1/dashboard/usage", as));
    const invited = conforms("post", "/v1/members", await rest.post("/v1/members", { email: "dev@openapi.example", role: "viewer" }, as));
    conforms("post", "/v1/members", await rest.post("/v1/members", { email: "not an email", role: "viewer" }, as));
    conforms("get", "/v1/members", await rest.get("/v1/members", as));
    const acceptance = { token: invited.body.invitation.token, password: "correct horse battery" };
    conforms("post", "/v1/invitations/accept", await rest.post("/v1/invitations/accept", acceptance));
    conforms("post", "/v1/invitations/accept", await rest.post("/v1/invitations/accept", acceptance));
    const session = conforms("post", "/v1/sessions", await rest.post("/v1/sessions", { email: "dev@openapi.example", password: "correct horse battery" }));
    conforms("post", "/v1/sessions", await rest.post("/v1/sessions", { email: "dev@openapi.example", password: "not the password" }));
    conforms("get", "/v1/members", await rest.get("/v1/members", { apiKey: session.body.token }));
    conforms("post", "/v1/members", await rest.post("/v1/members", { email: "more@openapi.example", role: "viewer" }, { apiKey: session.body.token }));
    conforms("patch", "/v1/members/{id}", await rest.request("PATCH", `/v1/members/${invited.body.member_id}`, { role: "member" }, as));
    conforms("get", "/v1/sessions/current", await rest.get("/v1/sessions/current", { apiKey: session.body.token }));
    conforms("get", "/v1/sessions/current", await rest.get("/v1/sessions/current", as));
    conforms("delete", "/v1/sessions/current", await rest.delete("/v1/sessions/current", { apiKey: session.body.token }));
    conforms("delete", "/v1/members/{id}", await rest.delete(`/v1/members/${invited.body.member_id}`, as));
    conforms("delete", "/v1/members/{id}", await rest.delete(`/v1/members/${invited.body.member_id}`, as));
    const project = conforms(
      "post",
      "/v1/projects",
      await rest.post("/v1/projects", { name: "OpenAPI", type: "image_classification", label_spec: { question: "Q?", options: ["a", "b"] }, examples: [{ data_url: "https://e.com/x.jpg", answer: { label: "a" } }] }, as),
    );
    conforms("post", "/v1/projects", await rest.post("/v1/projects", { name: "" }, as));
    conforms("get", "/v1/projects", await rest.get("/v1/projects", as));
    conforms("get", "/v1/projects/{id}", await rest.get(`/v1/projects/${project.body.project_id}`, as));
    conforms("get", "/v1/projects/{id}", await rest.get("/v1/projects/prj_missing", as));
    conforms("patch", "/v1/projects/{id}", await rest.request("PATCH", `/v1/projects/${project.body.project_id}`, { priority: 3 }, as));
    conforms("patch", "/v1/projects/{id}", await rest.request("PATCH", `/v1/projects/${project.body.project_id}`, { priority: 99 }, as));
    conforms("get", "/v1/tasks/{id}", await rest.get(`/v1/tasks/${(await rest.post("/v1/tasks", { project_id: project.body.project_id, data_url: "https://e.com/p.jpg" }, as)).body.task_id}`, as));
    const team = conforms("post", "/v1/work-teams", await rest.post("/v1/work-teams", { name: "In-house" }, as));
    conforms("post", "/v1/work-teams", await rest.post("/v1/work-teams", { name: "" }, as));
    conforms("get", "/v1/work-teams", await rest.get("/v1/work-teams", as));
    conforms("patch", "/v1/work-teams/{id}", await rest.request("PATCH", `/v1/work-teams/${team.body.team_id}`, { name: "In-house labelers" }, as));
    const invite = conforms("post", "/v1/work-teams/{id}/invitations", await rest.post(`/v1/work-teams/${team.body.team_id}/invitations`, undefined, as));
    conforms("post", "/v1/work-teams/{id}/invitations", await rest.post("/v1/work-teams/wtm_missing/invitations", undefined, as));
    const joined = conforms("post", "/v1/work-teams/join", await rest.post("/v1/work-teams/join", { token: invite.body.token, name: "Ines" }));
    conforms("post", "/v1/work-teams/join", await rest.post("/v1/work-teams/join", { token: invite.body.token, name: "Ines again" }));
    const member = `/v1/work-teams/${team.body.team_id}/members/${joined.body.annotator_id}`;
    conforms("post", "/v1/work-teams/{id}/members/{annotatorId}/suspend", await rest.post(`${member}/suspend`, { reason: "checking" }, as));
    conforms("post", "/v1/work-teams/{id}/members/{annotatorId}/reinstate", await rest.post(`${member}/reinstate`, {}, as));
    conforms("get", "/v1/work-teams/{id}", await rest.get(`/v1/work-teams/${team.body.team_id}`, as));
    const suspensions = `/v1/projects/${project.body.project_id}/suspensions`;
    conforms("post", "/v1/projects/{id}/suspensions", await rest.post(suspensions, { annotator_id: joined.body.annotator_id, reason: "checking" }, as));
    conforms("post", "/v1/projects/{id}/suspensions", await rest.post(suspensions, { annotator_id: "ann_unknown", reason: "x" }, as));
    conforms("get", "/v1/projects/{id}/suspensions", await rest.get(suspensions, as));
    conforms("get", "/v1/projects/{id}/qualifications", await rest.get(`/v1/projects/${project.body.project_id}/qualifications`, as));
    conforms("get", "/v1/projects/{id}/qualifications", await rest.get("/v1/projects/prj_missing/qualifications", as));
    conforms("get", "/v1/projects/{id}/annotators", await rest.get(`/v1/projects/${project.body.project_id}/annotators`, as));
    conforms("get", "/v1/projects/{id}/annotators", await rest.get("/v1/projects/prj_missing/annotators", as));
    conforms("delete", "/v1/projects/{id}/suspensions/{annotatorId}", await rest.delete(`${suspensions}/${joined.body.annotator_id}`, as));
    conforms("delete", "/v1/projects/{id}/suspensions/{annotatorId}", await rest.delete(`${suspensions}/${joined.body.annotator_id}`, as));
    conforms("delete", "/v1/work-teams/{id}/members/{annotatorId}", await rest.delete(member, as));
    conforms("delete", "/v1/work-teams/{id}/members/{annotatorId}", await rest.delete(member, as));
    conforms("get", "/v1/work-teams/{id}", await rest.get("/v1/work-teams/wtm_missing", as));
    conforms("get", "/v1/audit-events", await rest.get("/v1/audit-events?limit=5", as));
    conforms("get", "/v1/audit-events", await rest.get("/v1/audit-events?action=nothing", as));
    conforms("get", "/v1/events", await rest.get("/v1/events?limit=5&types=job.completed,task.completed", as));
    conforms("get", "/v1/events", await rest.get("/v1/events?after=nothing", as));
    const exported = conforms("post", "/v1/exports", await rest.post("/v1/exports", { format: "jsonl", filter: { project_id: project.body.project_id } }, as));
    conforms("post", "/v1/exports", await rest.post("/v1/exports", { format: "xlsx" }, as));
    conforms("get", "/v1/exports", await rest.get("/v1/exports", as));
    conforms("get", "/v1/exports/{id}", await rest.get("/v1/exports/exp_missing", as));
    await expect.poll(async () => (await rest.get(`/v1/exports/${exported.body.export_id}`, as)).body.status, { timeout: 30_000 }).toBe("completed");
    conforms("get", "/v1/exports/{id}", await rest.get(`/v1/exports/${exported.body.export_id}`, as));
    conforms("get", "/v1/exports/{id}/download", await rest.get(`/v1/exports/${exported.body.export_id}/download`, as));
    conforms("get", "/v1/exports/{id}/download", await rest.get("/v1/exports/exp_missing/download", as));
    conforms("get", "/v1/tasks/export", await rest.get(`/v1/tasks/export?format=jsonl&project_id=${project.body.project_id}`, as));
    conforms("get", "/v1/tasks/export", await rest.get("/v1/tasks/export?format=docx", as));

    // Every documented operation was called, and every route of /v1 is documented (by the failures above).
    const documented = Object.entries(document.paths).flatMap(([template, operations]) => Object.keys(operations as object).map((method) => `${method} ${template}`));
    expect([...covered].sort()).toEqual(documented.sort());
  });

  it("documents every route the REST app serves, and no other", () => {
    // The router's own table (the customer routes are nested into it).
    const served = restApi(service.deps).router.stack.flatMap((layer) =>
      layer.methods.filter((method) => method !== "HEAD").map((method) => `${method.toLowerCase()} ${String(layer.path).replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = Object.entries(document.paths).flatMap(([template, operations]) => Object.keys(operations as object).map((method) => `${method} ${template}`));
    expect(served.sort()).toEqual(documented.sort());
  });

  it("takes request bodies from the schemas the API validates with", () => {
    const task = document.paths["/v1/tasks"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(task.properties)).toEqual(expect.arrayContaining(["type", "data_url", "label_spec", "callback_url", "min_confidence", "external_id"]));
    expect(task.additionalProperties).toBe(false);
    expect(task.properties.priority).toMatchObject({ minimum: 0, maximum: 10 });
    const job = document.paths["/v1/jobs"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(job.properties.s3_credentials.properties)).toEqual(expect.arrayContaining(["access_key_id", "secret_access_key"]));
    expect(document.paths["/v1/tasks"].post.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: "header", name: "Idempotency-Key" })]));
  });
});

describe.skipIf(!CHROMIUM)("/docs (needs Debian's chromium: apt-get install chromium)", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it("renders every operation from locally served assets", async () => {
    const { context, refused } = await offlineContext(browser, service.url);
    const page = await context.newPage();
    await page.goto(`${service.url}/docs`);
    const operations = Object.values(document.paths).reduce((n: number, ops) => n + Object.keys(ops as object).length, 0);
    await expect.poll(() => page.locator(".opblock").count(), { timeout: 15_000 }).toBe(operations);
    expect(await page.textContent(".info .title")).toContain("ASG Refinery REST API");
    await page.screenshot({ path: path.join(SCREENSHOTS, "docs.png"), fullPage: true });
    expect(refused).toEqual([]);
    await context.close();
  });
});
