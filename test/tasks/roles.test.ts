// Roles: two API processes and two worker processes, as `npm start` runs them,
// on one PostgreSQL and one Redis (needs REDIS_URL). A subscriber on API A sees
// the work that a REST call to API B started and the workers did; the workers
// share the work without doing any twice; kill -9 of a worker loses nothing.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createThrowawayDatabase } from "../support/database.js";
import { restClient } from "../support/harness.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";
import { startServerProcess, type ServerProcess } from "../support/process.js";
import { startReceiver } from "../support/receiver.js";
import { subscribe, wsClient } from "../support/ws.js";

const redisUrl = process.env.REDIS_URL;
const TASKS = 60;

describe.skipIf(!redisUrl)("ROLE=api and ROLE=worker processes over PostgreSQL and Redis", () => {
  it("shares the work between workers, survives kill -9 of one, and fans events out to every API process", async () => {
    const database = await createThrowawayDatabase({ migrated: true });
    const receiver = await startReceiver(200);
    const processes: ServerProcess[] = [];
    const env = (role: string) => ({
      ROLE: role,
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl!,
      REDIS_KEY_PREFIX: `test-roles-${randomBytes(6).toString("hex")}:`,
      SERVER_SECRET: "roles-server-secret-0123456789abcdef",
      ALLOW_PRIVATE_WEBHOOK_TARGETS: "true",
      WEBHOOK_TIMEOUT_MS: "1000",
      LOG_LEVEL: "info",
    });
    const db = new pg.Client({ connectionString: database.url });
    try {
      for (const role of ["api", "api", "worker", "worker"]) {
        processes.push(await startServerProcess(mkdtempSync(path.join(tmpdir(), "refinery-role-")), env(role)));
      }
      const [apiA, apiB, worker1] = processes;
      // A worker answers its probes, and nothing else.
      expect((await restClient(worker1.url).get("/v1/health")).status).toBe(200);
      expect((await restClient(worker1.url).get("/v1/tasks")).status).toBe(404);

      const customer = await registerCustomer(restClient(apiA.url), "Roles Co");
      await restClient(apiA.url).post("/v1/webhooks", { callback_url: receiver.url, events: ["task.completed"] }, { apiKey: customer.apiKey });
      const batch = await restClient(apiB.url).post("/v1/tasks/batch", { tasks: Array.from({ length: TASKS }, () => imageTask()) }, { apiKey: customer.apiKey });
      expect(batch.status).toBe(202);

      const client = wsClient(apiA.url, { authorization: customer.apiKey });
      try {
        const sub = await subscribe(client, "subscription($id: ID) { taskUpdates(batchId: $id) { batch { counts { completed } } } }", { id: batch.body.batch_id });
        // kill -9 of a worker once the work is under way; the other carries on.
        let update = (await sub.next(30_000)).taskUpdates;
        while (update.batch.counts.completed < 5) update = (await sub.next(30_000)).taskUpdates;
        worker1.child.kill("SIGKILL");
        // The dead worker's claims come back to the queue when their (sandbox) lease of 30 s ends.
        while (update.batch.counts.completed < TASKS) update = (await sub.next(60_000)).taskUpdates;
      } finally {
        await client.dispose();
      }

      // No judgment twice: every task has exactly the judgments it counted, each by another annotator.
      await db.connect();
      const { rows } = await db.query<{ id: string; judgment_count: number; judgments: string; annotators: string }>(
        `SELECT t.id, t.judgment_count, count(j.id) AS judgments, count(DISTINCT j.annotator_id) AS annotators
         FROM tasks t LEFT JOIN judgments j ON j.task_id = t.id WHERE t.batch_id = $1 GROUP BY t.id`,
        [batch.body.batch_id],
      );
      expect(rows).toHaveLength(TASKS);
      for (const row of rows) {
        expect(Number(row.judgments), row.id).toBe(row.judgment_count);
        expect(Number(row.annotators), row.id).toBe(row.judgment_count);
      }
      // Every task.completed reached the receiver (at least once: a delivery cut off by kill -9 is retried).
      await expect.poll(() => new Set(receiver.received.map((r) => r.headers["webhook-id"])).size, { timeout: 30_000 }).toBe(TASKS);
    } finally {
      for (const process of processes) {
        if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill("SIGTERM");
        await process.exited;
      }
      await db.end().catch(() => {});
      await receiver.close();
      await database.drop();
    }
  }, 180_000);
});
