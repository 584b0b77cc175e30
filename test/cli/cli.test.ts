// The `refinery` CLI end to end, as a customer runs it: a real process against
// a real server (sandbox crowd on, S3 manifests from a local S3 server).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { registerCustomer, type Customer } from "../support/fixtures.js";
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server, type S3Server } from "../support/s3.js";

const CLI = path.join(import.meta.dirname, "../../dist/cli/refinery.js");
const work = mkdtempSync(path.join(tmpdir(), "refinery-cli-"));

let service: TestService;
let s3: S3Server;
let customer: Customer;
beforeAll(async () => {
  s3 = await startS3Server();
  service = await startTestService({ env: { ROLE: "all", S3_ENDPOINT: s3.endpoint } });
  customer = await registerCustomer(service.rest, "CLI Co");
});
afterAll(async () => {
  await service.close();
  await s3.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function refinery(args: string[], apiKey = customer.apiKey): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, REFINERY_URL: service.url, REFINERY_API_KEY: apiKey },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const taskLine = (i: number) =>
  JSON.stringify({ type: "text_classification", data: `review ${i}`, label_spec: { question: "Sentiment?", options: ["pos", "neg"] }, external_id: `row-${i}` });

describe("the refinery CLI", () => {
  it("submits a JSONL file in batches (a rerun sends nothing twice) and follows a batch to the end", async () => {
    const file = path.join(work, "tasks.jsonl");
    writeFileSync(file, Array.from({ length: 25 }, (_, i) => taskLine(i)).join("\n") + "\n");
    const first = await refinery(["submit", file, "--batch-size", "10"]);
    expect(first.code, first.stderr).toBe(0);
    const batches = first.stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(batches.map((b) => [b.task_count, b.created, b.replayed])).toEqual([[10, 10, false], [10, 10, false], [5, 5, false]]);
    expect(first.stderr).toContain("25 tasks sent, 25 created\n");
    // Not a terminal: no progress bar drawn into the captured output.
    expect(first.stderr).not.toMatch(/[\r\u2588\u2591]|\d+%/);

    const again = await refinery(["submit", file, "--batch-size", "10"]);
    const replayed = again.stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(replayed.map((b) => [b.batch_id, b.created, b.replayed])).toEqual(batches.map((b) => [b.batch_id, 0, true]));
    expect(again.stderr).toContain("25 tasks sent, 0 created (25 already submitted: 3 batches replayed)");
    const listed = await service.rest.get("/v1/tasks?limit=100", { apiKey: customer.apiKey });
    expect(listed.body.data).toHaveLength(25);

    const followed = await refinery(["follow", "batch", batches[2].batch_id]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stderr).toContain(`batch ${batches[2].batch_id} completed`);
    const batch = await service.rest.get(`/v1/batches/${batches[2].batch_id}`, { apiKey: customer.apiKey });
    expect(batch.body.status).toBe("completed");
  });

  it("reports the API's refusal of a batch line by line, still sends the other batches, and exits 1", async () => {
    const file = path.join(work, "invalid.jsonl");
    const invalid = JSON.stringify({ type: "text_classification", label_spec: { question: "Q?", options: ["only"] } });
    writeFileSync(file, [taskLine(200), taskLine(201), invalid, taskLine(203), taskLine(204)].join("\n"));
    const run = await refinery(["submit", file, "--batch-size", "2"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("invalid.jsonl:3: label_spec.options: needs at least 2 options");
    expect(run.stderr).toMatch(/invalid\.jsonl:3: data: /);
    expect(run.stderr).toContain("3 tasks sent, 3 created");
    expect(run.stderr).toContain("2 tasks in 1 refused batch not created");
    expect(run.stdout.trim().split("\n").map((line) => JSON.parse(line).task_count)).toEqual([2, 1]);
  });

  it("names the URL when it cannot connect", async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const url = `http://127.0.0.1:${port}`;
    const run = await promisify(execFile)(process.execPath, [CLI, "submit", path.join(work, "tasks.jsonl")], {
      env: { PATH: process.env.PATH, REFINERY_URL: url, REFINERY_API_KEY: customer.apiKey },
    }).catch((error) => error as { code: number; stderr: string });
    expect(run).toMatchObject({ code: 1 });
    expect((run as { stderr: string }).stderr).toContain(`cannot reach ${url} (ECONNREFUSED); is the server running there?`);
  });

  it("stops at a bad line, naming it, and says when the key is wrong", async () => {
    const file = path.join(work, "broken.jsonl");
    writeFileSync(file, [taskLine(100), "{not json", taskLine(101)].join("\n"));
    const broken = await refinery(["submit", file]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.jsonl:2: not valid JSON/);
    const wrongKey = await refinery(["submit", path.join(work, "tasks.jsonl")], `sk_sandbox_${"x".repeat(32)}`);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/401 unauthorized the API key is invalid or has been revoked/);
  });

  it("follows a job until it completes and downloads its export", async () => {
    await s3.put("cli.jsonl", ['{"source":"great"}', '{"source":"awful"}', '{"source":"fine"}'].join("\n"));
    const job = await service.rest.post(
      "/v1/jobs",
      {
        manifest_url: `s3://${s3.bucket}/cli.jsonl`,
        label_spec: { question: "Sentiment?", options: ["pos", "neg"] },
        s3_credentials: { access_key_id: S3_ACCESS_KEY_ID, secret_access_key: S3_SECRET_ACCESS_KEY },
      },
      { apiKey: customer.apiKey },
    );
    const early = await refinery(["export", job.body.job_id, "--out", path.join(work, "early.jsonl")]);
    if (early.code !== 0) expect(early.stderr).toMatch(/409 job_not_completed/);

    const followed = await refinery(["follow", "job", job.body.job_id]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stderr).toContain(`job ${job.body.job_id} completed: 3 tasks`);

    const out = path.join(work, "labels.jsonl");
    const exported = await refinery(["export", job.body.job_id, "--out", out]);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((line) => line.source)).toEqual(["great", "awful", "fine"]);
    for (const line of lines) expect(line["label-metadata"]).toMatchObject({ "job-name": job.body.job_id, "human-annotated": "no" });
  });
});
