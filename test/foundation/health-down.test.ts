import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createRuntime } from "../../src/bootstrap.js";
import { startServer } from "../../src/server.js";
import { createLogger } from "../../src/logger.js";
import { openDatabase } from "../../src/db/database.js";
import { createThrowawayDatabase } from "../support/database.js";
import { restClient } from "../support/harness.js";

describe("when the database is unreachable", () => {
  it("health answers 503 with ok:false, other endpoints 500 internal_error without internals", async () => {
    // The database disappears under the server.
    const throwaway = await createThrowawayDatabase({ migrated: true });
    const db = await openDatabase(throwaway.url);
    const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", SERVER_SECRET: "x".repeat(40), DATA_DIR: "/tmp/refinery-health", ROLE: "api" });
    const runtime = await createRuntime(config, { db, logger: createLogger("silent") });
    const server = await startServer(config, runtime);
    const rest = restClient(server.url);
    try {
      expect((await rest.get("/v1/health")).status).toBe(200);
      await throwaway.drop();
      const res = await rest.get("/v1/health");
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ ok: false, service: "asg-gateway" });

      // An unexpected failure: 500 internal_error, a request id, no internals.
      const failed = await rest.get("/v1/customers/me", { apiKey: "sk_sandbox_" + "A".repeat(32) });
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({
        error: { code: "internal_error", message: expect.any(String), request_id: failed.headers.get("x-request-id") },
      });
      expect(failed.text).not.toMatch(/at .*\.ts:\d+|prisma|pglite|Error:/i);
    } finally {
      await server.stop();
    }
  });
});
