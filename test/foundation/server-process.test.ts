// The server as `npm start` runs it: a real process on the embedded database.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { restClient } from "../support/harness.js";
import { root, SERVER_COMMAND, startServerProcess } from "../support/process.js";

describe("the server process", () => {
  it("keeps its data across a restart and shuts down gracefully on SIGTERM", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "refinery-process-"));
    const first = await startServerProcess(dataDir);
    const rest = restClient(first.url);
    expect((await rest.get("/v1/health")).body).toEqual({ ok: true, service: "asg-gateway" });
    const registered = await rest.post("/v1/customers", { name: "Durable", email: "durable@example.com" });
    expect(registered.status).toBe(201);
    const named = await fetch(`${first.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${registered.body.api_key}` },
      body: JSON.stringify({ query: "query Profile { me { id } }" }),
    });
    expect(named.status).toBe(200);

    // An open WebSocket is closed with 1001 (going away), and the process exits 0.
    const socket = new WebSocket(first.url.replace("http", "ws") + "/graphql", "graphql-transport-ws");
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const closeCode = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    first.child.kill("SIGTERM");
    expect(await closeCode).toBe(1001);
    expect(await first.exited).toBe(0);
    const logLines = first.logs.join("").split("\n").filter(Boolean);
    // One structured line per request, never the key.
    expect(logLines.some((line) => /"method":"POST","path":"\/v1\/customers","status":201/.test(line))).toBe(true);
    // A GraphQL request's line names its operation.
    expect(logLines.some((line) => /"path":"\/graphql".*"operation":"query Profile"/.test(line))).toBe(true);
    expect(first.logs.join("")).not.toContain(registered.body.api_key);

    const second = await startServerProcess(dataDir);
    try {
      const me = await restClient(second.url).get("/v1/customers/me", { apiKey: registered.body.api_key });
      expect(me.status).toBe(200);
      expect(me.body.customer_id).toBe(registered.body.customer_id);
    } finally {
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    }
  }, 150_000); // two server starts, each with its own PostgreSQL

  it("exits with a one-line explanation on invalid configuration", async () => {
    const child = spawn(SERVER_COMMAND[0], SERVER_COMMAND.slice(1), {
      cwd: root,
      env: { ...process.env, PORT: "not-a-port", DATA_DIR: mkdtempSync(path.join(tmpdir(), "refinery-badconfig-")) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).not.toBe(0);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/invalid configuration: PORT/);
  });
});
