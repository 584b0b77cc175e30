// Every curl block of the README's "REST API with curl" section, run as written, in order.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "./support/harness.js";

let service: TestService;
beforeAll(async () => {
  // As `npm start` runs: workers on, private webhook targets refused.
  service = await startTestService({ env: { WORKERS: "on", ALLOW_PRIVATE_WEBHOOK_TARGETS: "false" } });
});
afterAll(() => service.close());

function readmeCurlBlocks(): string[] {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.split(/^## REST API with curl$/m)[1].split(/^## /m)[0];
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).filter((block) => block.includes("curl"));
}

/** Values a reader copies from one response into the next commands. */
const CAPTURE: Record<string, string> = { api_key: "API_KEY", task_id: "TASK_ID", batch_id: "BATCH_ID", webhook_id: "WEBHOOK_ID" };

describe("README curl examples", () => {
  it("all run as written and answer without an error", async () => {
    const blocks = readmeCurlBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
    for (const block of blocks) {
      const script = block.replaceAll("http://localhost:8081", service.url);
      // Async: the server answering these requests runs in this same process.
      const { stdout: output } = await promisify(execFile)("bash", ["-euo", "pipefail", "-c", script], { env, encoding: "utf8" });
      if (output === "" && /-X DELETE/.test(block)) continue; // 204 No Content
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(output);
      } catch {
        throw new Error(`README example printed no JSON:\n${block}\n→ ${output}`);
      }
      expect(body, `README example:\n${block}`).not.toHaveProperty("error");
      for (const [field, variable] of Object.entries(CAPTURE)) {
        if (typeof body[field] === "string" && !env[variable]) env[variable] = body[field] as string;
      }
    }
    expect(env.API_KEY).toMatch(/^sk_sandbox_/);
    expect(env.TASK_ID).toMatch(/^tsk_/);
  });
});
