// Projects as a customer uses them: settings, instructions and worked
// examples; tasks, batches and jobs that name one inherit its settings (their
// own fields override); listings filter by it; changes apply to new tasks;
// archived projects take none; and the annotator page shows the instructions.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchChromium, screenshotDir } from "../support/browser.js";
import { startTestService, type TestService } from "../support/harness.js";
import { registerCustomer, type Customer } from "../support/fixtures.js";
import { createAnnotator, makeLive } from "../support/annotators.js";
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server } from "../support/s3.js";

let service: TestService;
let live: Customer;
beforeAll(async () => {
  service = await startTestService();
  live = await registerCustomer(service.rest, "Projects Co");
  live.apiKey = await makeLive(service.graphql, live.customerId);
});
afterAll(() => service.close());

const sentiment = {
  name: "Review sentiment",
  type: "text_classification",
  label_spec: { question: "Is this review positive?", options: ["positive", "negative"] },
  instructions: "# Read the whole review\n\nSarcasm counts as **negative**. <script>alert(1)</script> [docs](javascript:alert(1)) <https://example.com/guide>",
  examples: [{ data: "Great, it broke in a day.", answer: { label: "negative" }, explanation: "sarcasm" }],
  replication: 2,
  priority: 8,
};

async function createProject(body: Record<string, unknown> = sentiment, apiKey = live.apiKey) {
  const res = await service.rest.post("/v1/projects", body, { apiKey });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe("projects", () => {
  it("are created with their settings, and refuse a spec or an example that does not fit the type", async () => {
    const project = await createProject();
    expect(project).toMatchObject({
      project_id: expect.stringMatching(/^prj_/),
      name: "Review sentiment",
      task_type: "text_classification",
      replication: 2,
      priority: 8,
      min_confidence: null,
      archived: false,
      environment: "live",
      examples: [{ data: "Great, it broke in a day.", answer: { label: "negative" }, explanation: "sarcasm" }],
    });
    const badExample = await service.rest.post("/v1/projects", { ...sentiment, examples: [{ data: "x", answer: { label: "meh" } }] }, { apiKey: live.apiKey });
    expect(badExample.status).toBe(400);
    expect(badExample.body.error.errors[0].path).toMatch(/^examples\[0\]\.answer/);
    const badSpec = await service.rest.post("/v1/projects", { ...sentiment, label_spec: { question: "Q?", options: ["only"] } }, { apiKey: live.apiKey });
    expect(badSpec.body.error.errors[0].path).toBe("label_spec.options");
    expect((await service.rest.get(`/v1/projects/${project.project_id}`, { apiKey: live.apiKey })).body.counts).toMatchObject({ pending: 0 });
  });

  it("give their settings to tasks and batches that name them; a task's own fields override", async () => {
    const project = await createProject();
    const inherited = await service.rest.post("/v1/tasks", { project_id: project.project_id, data: "Lovely" }, { apiKey: live.apiKey });
    expect(inherited.status, inherited.text).toBe(202);
    const task = (await service.rest.get(`/v1/tasks/${inherited.body.task_id}`, { apiKey: live.apiKey })).body;
    expect(task).toMatchObject({ task_type: "text_classification", label_spec: sentiment.label_spec, replication: 2, priority: 8, project_id: project.project_id });
    const own = await service.rest.post("/v1/tasks", { project_id: project.project_id, data: "Meh", priority: 1 }, { apiKey: live.apiKey });
    expect((await service.rest.get(`/v1/tasks/${own.body.task_id}`, { apiKey: live.apiKey })).body).toMatchObject({ priority: 1, replication: 2 });

    const batch = await service.rest.post("/v1/tasks/batch", { project_id: project.project_id, tasks: [{ data: "one" }, { data: "two", replication: 1 }] }, { apiKey: live.apiKey });
    expect(batch.status, batch.text).toBe(202);
    const listed = await service.rest.get(`/v1/tasks?project_id=${project.project_id}&limit=10`, { apiKey: live.apiKey });
    expect(listed.body.data).toHaveLength(4);
    expect(listed.body.data.map((t: any) => t.replication).sort()).toEqual([1, 2, 2, 2]);
    expect((await service.rest.get(`/v1/projects/${project.project_id}`, { apiKey: live.apiKey })).body.counts.pending).toBe(4);
    // Tasks without a project are as before.
    const plain = await service.rest.post("/v1/tasks", { type: "text_classification", data: "x", label_spec: sentiment.label_spec }, { apiKey: live.apiKey });
    expect((await service.rest.get(`/v1/tasks/${plain.body.task_id}`, { apiKey: live.apiKey })).body).not.toHaveProperty("project_id");
  });

  it("another customer's or environment's project is no project; a missing batch project is one problem", async () => {
    const project = await createProject();
    const other = await registerCustomer(service.rest, "Nosy Co");
    expect((await service.rest.get(`/v1/projects/${project.project_id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await service.rest.get("/v1/projects", { apiKey: other.apiKey })).body.data).toEqual([]);
    const borrowed = await service.rest.post("/v1/tasks", { project_id: project.project_id, data: "steal" }, { apiKey: other.apiKey });
    expect(borrowed.status).toBe(400);
    expect(borrowed.body.error.errors).toEqual([{ path: "project_id", message: expect.stringMatching(/no project prj_/) }]);
    // The live customer's own sandbox key does not see its live project either.
    const sandbox = await service.rest.post("/v1/api-keys", { environment: "sandbox" }, { apiKey: live.apiKey });
    expect((await service.rest.get(`/v1/projects/${project.project_id}`, { apiKey: sandbox.body.api_key })).status).toBe(404);
    const batch = await service.rest.post("/v1/tasks/batch", { project_id: "prj_00000000000000000000000000", tasks: Array.from({ length: 50 }, () => ({ data: "x" })) }, { apiKey: live.apiKey });
    expect(batch.body.error.errors).toEqual([{ path: "project_id", message: expect.stringMatching(/no project/) }]);
    expect((await service.rest.request("PATCH", `/v1/projects/${project.project_id}`, { name: "x" }, { apiKey: other.apiKey })).status).toBe(404);
  });

  it("changes apply to tasks submitted after them; an archived project takes no new tasks", async () => {
    const project = await createProject();
    const before = await service.rest.post("/v1/tasks", { project_id: project.project_id, data: "before" }, { apiKey: live.apiKey });
    const changed = await service.rest.request("PATCH", `/v1/projects/${project.project_id}`, { priority: 2, min_confidence: 0.9 }, { apiKey: live.apiKey });
    expect(changed.body).toMatchObject({ priority: 2, min_confidence: 0.9, replication: 2 });
    const after = await service.rest.post("/v1/tasks", { project_id: project.project_id, data: "after" }, { apiKey: live.apiKey });
    expect((await service.rest.get(`/v1/tasks/${before.body.task_id}`, { apiKey: live.apiKey })).body.priority).toBe(8);
    expect((await service.rest.get(`/v1/tasks/${after.body.task_id}`, { apiKey: live.apiKey })).body.priority).toBe(2);
    const invalid = await service.rest.request("PATCH", `/v1/projects/${project.project_id}`, { label_spec: { question: "Q?" } }, { apiKey: live.apiKey });
    expect(invalid.status).toBe(400);
    expect((await service.rest.request("PATCH", `/v1/projects/${project.project_id}`, { archived: true }, { apiKey: live.apiKey })).body.archived).toBe(true);
    expect((await service.rest.post("/v1/tasks", { project_id: project.project_id, data: "late" }, { apiKey: live.apiKey })).status).toBe(400);
    expect((await service.rest.get(`/v1/tasks/${before.body.task_id}`, { apiKey: live.apiKey })).status).toBe(200);
  });

  it("GraphQL: create, read, submit into a project, filter by it; annotators get the instructions rendered safely", async () => {
    const created = await service.graphql(
      `mutation($input: ProjectInput!) { createProject(input: $input) { ... on MutationCreateProjectSuccess { data { id name type replication } } ... on AppError { code message } } }`,
      { input: { name: "Via GraphQL", type: "TEXT_CLASSIFICATION", labelSpec: sentiment.label_spec, instructions: sentiment.instructions, examples: [], replication: 1 } },
      { apiKey: live.apiKey },
    );
    const project = created.data.createProject.data;
    expect(project).toMatchObject({ name: "Via GraphQL", type: "TEXT_CLASSIFICATION", replication: 1 });
    const submitted = await service.graphql(
      `mutation($id: ID!) { submitTask(input: { projectId: $id, data: "From GraphQL" }) { ... on MutationSubmitTaskSuccess { data { id projectId replication } } ... on AppError { code message } } }`,
      { id: project.id },
      { apiKey: live.apiKey },
    );
    expect(submitted.data.submitTask.data).toMatchObject({ projectId: project.id, replication: 1 });
    const listed = await service.graphql(`query($id: ID!) { tasks(projectId: $id) { edges { node { id } } } project(id: $id) { counts { pending } } }`, { id: project.id }, { apiKey: live.apiKey });
    expect(listed.data.tasks.edges).toHaveLength(1);
    expect(listed.data.project.counts.pending).toBe(1);

    const annotator = await createAnnotator(service.graphql, "Reader");
    const claimed = await service.graphql(`mutation { nextAssignment(types: [TEXT_CLASSIFICATION]) { task { taskId project { name instructionsHtml } } } }`, {}, { apiKey: annotator.token });
    const html: string = claimed.data.nextAssignment.task.project?.instructionsHtml ?? "";
    expect(html).toContain("<strong>negative</strong>");
    expect(html).toContain("<h1>Read the whole review</h1>");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toMatch(/href="javascript:/);
    expect(html).toContain('href="https://example.com/guide" target="_blank" rel="noopener noreferrer"');
  });

  it("a job naming a project takes its spec; its tasks belong to the project", async () => {
    const s3 = await startS3Server();
    const withWorkers = await startTestService({ env: { ROLE: "all", S3_ENDPOINT: s3.endpoint } });
    try {
      await s3.put("project.jsonl", ['{"source":"good"}', '{"source":"bad"}'].join("\n"));
      const owner = await registerCustomer(withWorkers.rest, "Job Project Co");
      const project = (await withWorkers.rest.post("/v1/projects", { ...sentiment, replication: 1 }, { apiKey: owner.apiKey })).body;
      const job = await withWorkers.rest.post(
        "/v1/jobs",
        { project_id: project.project_id, manifest_url: `s3://${s3.bucket}/project.jsonl`, s3_credentials: { access_key_id: S3_ACCESS_KEY_ID, secret_access_key: S3_SECRET_ACCESS_KEY } },
        { apiKey: owner.apiKey },
      );
      expect(job.status, job.text).toBe(202);
      await expect.poll(async () => (await withWorkers.rest.get(`/v1/jobs/${job.body.job_id}`, { apiKey: owner.apiKey })).body.status, { timeout: 30_000 }).toBe("completed");
      const tasks = (await withWorkers.rest.get(`/v1/tasks?project_id=${project.project_id}`, { apiKey: owner.apiKey })).body.data;
      expect(tasks).toHaveLength(2);
      for (const task of tasks) expect(task).toMatchObject({ project_id: project.project_id, label_spec: sentiment.label_spec, task_type: "text_classification" });
    } finally {
      await withWorkers.close();
      await s3.close();
    }
  });
});

describe.skipIf(!CHROMIUM)("the /annotate page with a project (needs Debian's chromium)", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it("shows the project's instructions and worked examples above the item, without running their script", async () => {
    const customer = await registerCustomer(service.rest, "Instructed Co");
    customer.apiKey = await makeLive(service.graphql, customer.customerId);
    const project = await createProject({ ...sentiment, type: "text_classification", replication: 1, priority: 10 }, customer.apiKey);
    await service.rest.post("/v1/tasks", { project_id: project.project_id, data: "Arrived on time, works well." }, { apiKey: customer.apiKey });
    const annotator = await createAnnotator(service.graphql, "Instructed Reader");
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${service.url}/annotate`);
    await page.fill("#token", annotator.token);
    await page.click("#sign-in button[type=submit]");
    await page.waitForSelector("#instructions:not([hidden]) h1");
    expect(await page.textContent("#instructions-title")).toBe("Instructions: Review sentiment");
    expect(await page.textContent("#instructions-body strong")).toBe("negative");
    expect(await page.textContent("#examples")).toContain('Great, it broke in a day. → {"label":"negative"} (sarcasm)');
    expect(await page.textContent("#question")).toBe("Is this review positive?");
    await page.screenshot({ path: path.join(screenshotDir("annotate"), "project-instructions.png"), fullPage: true });
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
