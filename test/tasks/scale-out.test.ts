// Two API processes on one PostgreSQL and one Redis: a change made through
// one reaches a subscriber of the other (needs REDIS_URL).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createRuntime } from "../../src/bootstrap.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { createLogger } from "../../src/logger.js";
import { openDatabase } from "../../src/db/database.js";
import { createThrowawayDatabase } from "../support/database.js";
import { restClient } from "../support/harness.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";
import { subscribe, wsClient } from "../support/ws.js";

const redisUrl = process.env.REDIS_URL;

describe.skipIf(!redisUrl)("scale-out over PostgreSQL and Redis", () => {
  it("fans a status change out to a subscriber on another process", async () => {
    const throwaway = await createThrowawayDatabase({ migrated: true });
    const servers: RunningServer[] = [];
    // Redis outlives a run: the two processes share counters of their own, fresh each run.
    const redisKeyPrefix = `test-scale-out-${randomBytes(6).toString("hex")}:`;
    try {
      for (let i = 0; i < 2; i++) {
        const config = loadConfig({
          PORT: "0",
          HOST: "127.0.0.1",
          DATA_DIR: "/tmp/refinery-scale-out",
          SERVER_SECRET: "shared-server-secret-0123456789abcdef",
          DATABASE_URL: throwaway.url,
          REDIS_URL: redisUrl,
          ROLE: "api",
          REDIS_KEY_PREFIX: redisKeyPrefix,
        });
        const db = await openDatabase(throwaway.url);
        const runtime = await createRuntime(config, { db, logger: createLogger("silent") });
        servers.push(await startServer(config, runtime));
      }
      const [a, b] = servers;
      const customer = await registerCustomer(restClient(a.url));
      const task = await restClient(a.url).post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
      const client = wsClient(b.url, { authorization: customer.apiKey });
      try {
        const sub = await subscribe(client, `subscription($id: ID!) { taskStatusChanged(taskId: $id) { id status } }`, { id: task.body.task_id });
        // Its status now, read by B; then the change made on A, through Redis.
        expect(await sub.next()).toEqual({ taskStatusChanged: { id: task.body.task_id, status: "PENDING" } });
        await restClient(a.url).post(`/v1/tasks/${task.body.task_id}/cancel`, undefined, { apiKey: customer.apiKey });
        expect(await sub.next()).toEqual({ taskStatusChanged: { id: task.body.task_id, status: "CANCELED" } });
      } finally {
        await client.dispose();
      }

      // A key revoked through A stops working on B, whose cache had just accepted it.
      const spare = await restClient(a.url).post("/v1/api-keys", {}, { apiKey: customer.apiKey });
      expect((await restClient(b.url).get("/v1/customers/me", { apiKey: customer.apiKey })).status).toBe(200);
      const [original] = (await restClient(a.url).get("/v1/api-keys", { apiKey: spare.body.api_key })).body.data.filter(
        (key: { key_id: string }) => key.key_id !== spare.body.key_id,
      );
      expect((await restClient(a.url).delete(`/v1/api-keys/${original.key_id}`, { apiKey: spare.body.api_key })).status).toBe(200);
      await expect.poll(async () => (await restClient(b.url).get("/v1/customers/me", { apiKey: customer.apiKey })).status, { timeout: 5_000 }).toBe(401);
    } finally {
      for (const server of servers) await server.stop();
      await throwaway.drop();
    }
  });
});
