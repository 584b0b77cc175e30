// The README's quick start and every curl block of the docs it links, run as
// written, in order; and the README stays a short front door whose links resolve.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from "./support/harness.js";
import { registerCustomer } from "./support/fixtures.js";
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server, type S3Server } from "./support/s3.js";

let service: TestService;
beforeAll(async () => {
  // As `npm start` runs: workers on, private webhook targets refused.
  service = await startTestService({ env: { ROLE: "all", ALLOW_PRIVATE_WEBHOOK_TARGETS: "false" } });
});
afterAll(() => service.close());

/** The curl blocks of a file, or of one of its `## ` sections. */
function readmeCurlBlocks(heading: string | undefined, file = "../README.md"): string[] {
  const readme = readFileSync(new URL(file, import.meta.url), "utf8");
  const section = heading === undefined ? readme : readme.split(new RegExp(`^## ${heading}$`, "m"))[1].split(/^## /m)[0];
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).filter((block) => block.includes("curl"));
}

const HAS_JQ = (() => {
  try {
    execFileSync("jq", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** Values a reader copies from one response into the next commands. */
const CAPTURE: Record<string, string> = {
  api_key: "API_KEY",
  task_id: "TASK_ID",
  batch_id: "BATCH_ID",
  webhook_id: "WEBHOOK_ID",
  job_id: "JOB_ID",
  key_id: "KEY_ID",
};

async function runBlock(block: string, url: string, env: Record<string, string>): Promise<string> {
  const script = block.replaceAll("http://localhost:8081", url);
  // Async: the server answering these requests runs in this same process.
  const { stdout } = await promisify(execFile)("bash", ["-euo", "pipefail", "-c", script], { env, encoding: "utf8" });
  return stdout;
}

describe("the README", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

  it("is a short front door (at most 250 lines) whose links to docs/ all resolve", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(250);
    const links = [...readme.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThanOrEqual(8);
    for (const link of links) expect(existsSync(new URL(`../${link}`, import.meta.url)), link).toBe(true);
    // And the docs' links to each other.
    for (const doc of new Set(links)) {
      const text = readFileSync(new URL(`../${doc}`, import.meta.url), "utf8");
      for (const [, target] of text.matchAll(/\]\(([a-z-]+\.md)/g)) expect(existsSync(new URL(`../docs/${target}`, import.meta.url)), `${doc} → ${target}`).toBe(true);
    }
  });

  it.skipIf(!HAS_JQ)("quick start: register, submit and read the result, as one shell session (needs jq)", async () => {
    const blocks = readmeCurlBlocks("Quick start");
    expect(blocks).toHaveLength(3);
    const output = await runBlock(blocks.join("\n"), service.url, { PATH: process.env.PATH ?? "" });
    const result = JSON.parse(output);
    expect(result).toMatchObject({ task_id: expect.stringMatching(/^tsk_/), task_type: "image_classification" });
    expect(result).not.toHaveProperty("error");
  });
});

describe("docs/api-guide.md curl examples", () => {
  it("all run as written and answer without an error", async () => {
    const blocks = readmeCurlBlocks(undefined, "../docs/api-guide.md");
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
    for (const block of blocks) {
      const output = await runBlock(block, service.url, env);
      if (output === "" && /-X DELETE/.test(block)) continue; // 204 No Content
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(output);
      } catch {
        throw new Error(`API guide example printed no JSON:\n${block}\n→ ${output}`);
      }
      // The guide says so: the sandbox crowd has usually completed the task before it is canceled.
      const tooLate = /\/cancel/.test(block) && (body.error as { code?: string } | undefined)?.code === "task_not_cancelable";
      if (!tooLate) expect(body, `API guide example:\n${block}`).not.toHaveProperty("error");
      for (const [field, variable] of Object.entries(CAPTURE)) {
        if (typeof body[field] === "string" && !env[variable]) env[variable] = body[field] as string;
      }
    }
    expect(env.API_KEY).toMatch(/^sk_sandbox_/);
    expect(env.TASK_ID).toMatch(/^tsk_/);
  });

  it("run the batch-job walkthrough against a local S3 server", async () => {
    const s3: S3Server = await startS3Server();
    // The manifest is on this machine: this server may fetch from private addresses.
    const jobs = await startTestService({ env: { ROLE: "all", S3_ENDPOINT: s3.endpoint } });
    try {
      await s3.put("reviews.jsonl", ['{"source":"great product"}', '{"source":"broke in a day"}'].join("\n"));
      const customer = await registerCustomer(jobs.rest);
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? "",
        API_KEY: customer.apiKey,
        MANIFEST_URL: `s3://${s3.bucket}/reviews.jsonl`,
        AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
      };
      const [create, status, exported, listing] = readmeCurlBlocks("Batch jobs from S3", "../docs/jobs.md");
      const created = JSON.parse(await runBlock(create, jobs.url, env));
      expect(created).toMatchObject({ job_id: expect.stringMatching(/^job_/), status: "queued" });
      env.JOB_ID = created.job_id;
      let job = JSON.parse(await runBlock(status, jobs.url, env));
      for (let i = 0; i < 300 && job.status !== "completed"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        job = JSON.parse(await runBlock(status, jobs.url, env));
      }
      expect(job).toMatchObject({ status: "completed", counts: { total_lines: 2, tasks_created: 2 } });
      const lines = (await runBlock(exported, jobs.url, env)).trimEnd().split("\n").map((line) => JSON.parse(line));
      expect(lines.map((line) => line.source)).toEqual(["great product", "broke in a day"]);
      expect(lines[0]).toHaveProperty("label-metadata.job-name", created.job_id);
      const page = JSON.parse(await runBlock(listing, jobs.url, env));
      expect(page.data).toHaveLength(2);
    } finally {
      await jobs.close();
      await s3.close();
    }
  });

  it.skipIf(!HAS_JQ)("run docs/team.md's walkthrough: invite, accept, sign in, read as a viewer, be refused a change (needs jq)", async () => {
    const customer = await registerCustomer(service.rest);
    const blocks = readmeCurlBlocks("Try it", "../docs/team.md");
    expect(blocks).toHaveLength(5);
    const env = { PATH: process.env.PATH ?? "", API_KEY: customer.apiKey };
    // One shell session, as a reader runs them (the variables carry over); a newline after each answer.
    const output = await runBlock(blocks.join("\necho\n") + "\necho", service.url, env);
    const [accepted, members, refused] = output.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
    expect(accepted).toMatchObject({ email: "viewer@acme.example", role: "viewer", status: "active" });
    expect(members.data.map((m: any) => m.email)).toContain("viewer@acme.example");
    expect(refused.error).toMatchObject({ code: "forbidden", roles_allowed: ["admin", "owner"] });
  });

  it.skipIf(!HAS_JQ)("run docs/projects.md's walkthrough: a project, a task that inherits it, the project's counts (needs jq)", async () => {
    const customer = await registerCustomer(service.rest);
    const blocks = readmeCurlBlocks("Try it", "../docs/projects.md");
    expect(blocks).toHaveLength(3);
    const output = await runBlock(blocks.join("\necho\n") + "\necho", service.url, { PATH: process.env.PATH ?? "", API_KEY: customer.apiKey });
    const [task, project] = output.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
    expect(task).toMatchObject({ task_id: expect.stringMatching(/^tsk_/) });
    expect(project).toMatchObject({ name: "Review sentiment", priority: 8, counts: expect.any(Object) });
    const inherited = await service.rest.get(`/v1/tasks/${task.task_id}`, { apiKey: customer.apiKey });
    expect(inherited.body).toMatchObject({ task_type: "text_classification", priority: 8, project_id: project.project_id });
  });

  it.skipIf(!HAS_JQ)("run docs/exports.md's walkthrough: a batch of boxes, labeled, exported as COCO (needs jq)", async () => {
    const customer = await registerCustomer(service.rest);
    const blocks = readmeCurlBlocks("Try it", "../docs/exports.md");
    expect(blocks).toHaveLength(3);
    const output = await runBlock(blocks.join("\n") + '\necho "$BATCH_ID"', service.url, { PATH: process.env.PATH ?? "", API_KEY: customer.apiKey });
    const [summaryLine, batchId] = output.trim().split("\n");
    const summary = JSON.parse(summaryLine);
    expect(summary.images).toBe(3);
    expect(summary.categories).toEqual(["car", "person"]);
    // One annotation per aggregated box (the sandbox crowd may miss a box on an image, so count the API's results).
    const tasks = (await service.rest.get(`/v1/batches/${batchId}/tasks`, { apiKey: customer.apiKey })).body.data;
    let boxes = 0;
    for (const task of tasks) boxes += (await service.rest.get(`/v1/tasks/${task.task_id}/result`, { apiKey: customer.apiKey })).body.result.boxes.length;
    expect(summary.annotations).toBe(boxes);
  });

  it.skipIf(!HAS_JQ)("run docs/labeling.md's walkthrough: two models compared four times, then ranked (needs jq)", async () => {
    const customer = await registerCustomer(service.rest);
    const blocks = readmeCurlBlocks("Try it", "../docs/labeling.md");
    expect(blocks).toHaveLength(2);
    const output = await runBlock(blocks.join("\n"), service.url, { PATH: process.env.PATH ?? "", API_KEY: customer.apiKey });
    const summary = JSON.parse(output.trim());
    expect(summary.comparisons).toBe(4);
    expect(summary.ranking.map((item: { id: string }) => item.id).sort()).toEqual(["model-a", "model-b"]);
    for (const item of summary.ranking) expect(item.wins + item.losses + item.ties).toBe(4);
  });

  it.skipIf(!HAS_JQ)("run docs/workforce.md's walkthrough: a team, an invited annotator, a team project's task offered to it (needs jq)", async () => {
    const customer = await registerCustomer(service.rest);
    const blocks = readmeCurlBlocks("Try it", "../docs/workforce.md");
    expect(blocks).toHaveLength(3);
    const [offered, team] = (await runBlock(blocks.join("\necho\n"), service.url, { PATH: process.env.PATH ?? "", API_KEY: customer.apiKey })).trim().split("\n");
    expect(JSON.parse(offered)).toEqual({ data: { nextAssignment: { task: { type: "IMAGE_CLASSIFICATION" } } } });
    expect(JSON.parse(team)).toEqual({ name: "In-house labelers", members: [{ name: "Ada", status: "active" }] });
  });

  it("run docs/environments.md's walkthrough: a sandbox key does not find a live task", async () => {
    const customer = await registerCustomer(service.rest);
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", ADMIN_TOKEN: TEST_ADMIN_TOKEN, CUSTOMER_ID: customer.customerId, API_KEY: customer.apiKey };
    const [makeLive, submitLive, readAsSandbox] = readmeCurlBlocks("Try it", "../docs/environments.md");
    const tier = JSON.parse(await runBlock(makeLive, service.url, env));
    expect(tier.data.setCustomerTier.data).toMatchObject({ tier: "LIVE", liveApiKey: expect.stringMatching(/^sk_live_/) });
    env.LIVE_API_KEY = tier.data.setCustomerTier.data.liveApiKey;
    const task = JSON.parse(await runBlock(submitLive, service.url, env));
    expect(task).toMatchObject({ task_id: expect.stringMatching(/^tsk_/), status: "pending" });
    env.LIVE_TASK_ID = task.task_id;
    expect(JSON.parse(await runBlock(readAsSandbox, service.url, env))).toMatchObject({ error: { code: "not_found" } });
  });
});
