// kill -9 in the middle of a job's ingestion: the next start continues where
// the last committed chunk ended, and every manifest line becomes exactly one task.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphqlClient, restClient } from "../support/harness.js";
import { registerCustomer } from "../support/fixtures.js";
import { makeLive } from "../support/annotators.js";
import { startServerProcess, type ServerProcess } from "../support/process.js";
import { S3_ACCESS_KEY_ID, S3_REGION, S3_SECRET_ACCESS_KEY, startS3Server, type S3Server } from "../support/s3.js";

const ADMIN_TOKEN = "test-admin-token-0123456789";
// Long enough (seconds of ingestion) that the kill lands mid-ingest even on a busy machine.
const LINES = 150_000;

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
  await s3.put("long.jsonl", Array.from({ length: LINES }, (_, i) => JSON.stringify({ source: `line ${i + 1}` })).join("\n"));
});
afterAll(() => s3.close());

describe("job ingestion", () => {
  it("continues after kill -9 mid-ingest, with each line exactly once", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "refinery-resume-"));
    const env = { ADMIN_TOKEN, S3_ENDPOINT: s3.endpoint, ALLOW_PRIVATE_WEBHOOK_TARGETS: "true", JOB_LEASE_MS: "2000" };
    let server: ServerProcess = await startServerProcess(dataDir, env);
    try {
      // A live customer: people label its tasks, so nothing but ingestion happens here.
      const customer = await registerCustomer(restClient(server.url), "Resume Co");
      customer.apiKey = await makeLive(graphqlClient(server.url), customer.customerId, 1_000_000);
      const created = await restClient(server.url).post(
        "/v1/jobs",
        {
          manifest_url: `s3://${s3.bucket}/long.jsonl`,
          label_spec: { question: "Sentiment?", options: ["pos", "neg"] },
          s3_credentials: { access_key_id: S3_ACCESS_KEY_ID, secret_access_key: S3_SECRET_ACCESS_KEY, region: S3_REGION },
        },
        { apiKey: customer.apiKey },
      );
      expect(created.status).toBe(202);
      const jobId = created.body.job_id;

      // Killed once some chunks are in, before all are.
      let partial = 0;
      for (let i = 0; i < 600 && partial === 0; i++) {
        const job = await restClient(server.url).get(`/v1/jobs/${jobId}`, { apiKey: customer.apiKey });
        partial = job.body.counts.tasks_created;
        if (partial === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      server.child.kill("SIGKILL");
      await server.exited;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(LINES);

      server = await startServerProcess(dataDir, env);
      let job = (await restClient(server.url).get(`/v1/jobs/${jobId}`, { apiKey: customer.apiKey })).body;
      for (let i = 0; i < 1200 && job.status !== "labeling"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        job = (await restClient(server.url).get(`/v1/jobs/${jobId}`, { apiKey: customer.apiKey })).body;
      }
      expect(job).toMatchObject({ status: "labeling", counts: { total_lines: LINES, tasks_created: LINES, invalid_lines: 0 } });
      const tasks = await restClient(server.url).get(`/v1/tasks?job_id=${jobId}&limit=100`, { apiKey: customer.apiKey });
      expect(tasks.body.data).toHaveLength(100);
      expect(tasks.body.next_cursor).toEqual(expect.any(String));
      // Charged once per line, however many times ingestion started.
      const me = await restClient(server.url).get("/v1/customers/me", { apiKey: customer.apiKey });
      expect(me.body.labels_used).toBe(LINES);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 240_000);
});
