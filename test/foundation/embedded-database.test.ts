// The embedded PostgreSQL as `npm start` runs it: one owner per DATA_DIR, CLIs
// beside a running server, recovery after kill -9, shutdown with a backlog,
// a port in use, and a server that stays responsive while the crowd works.
import { request } from "node:http";
import { mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { graphqlClient, restClient } from "../support/harness.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";
import { runToEnd, SERVER_COMMAND, serverEnv, startServerProcess } from "../support/process.js";

const ADMIN_TOKEN = "process-admin-token-0123456789";
const newDataDir = () => mkdtempSync(path.join(tmpdir(), "refinery-embedded-"));
const CURRENT_ANNOTATOR = `{ currentAnnotator { id name } }`;
/** Each test starts two or three servers with their own PostgreSQL: 25–35 s here, more on a busy machine. */
const PROCESS_TEST_TIMEOUT_MS = 150_000;

describe("the embedded database", () => {
  it("has one server per DATA_DIR, serves a CLI beside it, and survives kill -9", async () => {
    const dataDir = newDataDir();
    const env = { ADMIN_TOKEN };
    const first = await startServerProcess(dataDir, env);
    let restarted: Awaited<ReturnType<typeof startServerProcess>> | undefined;
    try {
      const customer = await registerCustomer(restClient(first.url));

      const second = await runToEnd(SERVER_COMMAND.slice(1), serverEnv(dataDir, env));
      expect(second.code).not.toBe(0);
      expect(second.stderr.trim().split("\n")).toHaveLength(1);
      expect(second.stderr).toContain(`in use by server (pid ${first.child.pid})`);

      // The CLI writes through the running server's database: the token works at once.
      const cli = await runToEnd(["dist/cli/create-annotator.js", "Ada Lovelace"], serverEnv(dataDir, env));
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stderr).toContain(`database: DATA_DIR=${path.resolve(dataDir)}, beside its running server (pid ${first.child.pid})`);
      const token = cli.stdout.match(/token: (\S+)/)![1];
      const me = await graphqlClient(first.url)(CURRENT_ANNOTATOR, {}, { apiKey: token });
      expect(me.data?.currentAnnotator.name).toBe("Ada Lovelace");

      // kill -9 leaves PostgreSQL running without its owner; the next start takes it over.
      first.child.kill("SIGKILL");
      await first.exited;
      restarted = await startServerProcess(dataDir, env);
      expect((await restClient(restarted.url).get("/v1/customers/me", { apiKey: customer.apiKey })).status).toBe(200);
      const again = await graphqlClient(restarted.url)(CURRENT_ANNOTATOR, {}, { apiKey: token });
      expect(again.data?.currentAnnotator.name).toBe("Ada Lovelace");
    } finally {
      first.child.kill("SIGKILL");
      restarted?.child.kill("SIGTERM");
      if (restarted) expect(await restarted.exited).toBe(0);
    }
  }, PROCESS_TEST_TIMEOUT_MS);

  it("annotator:create on a DATA_DIR without a database refuses, names it, and creates nothing", async () => {
    const dataDir = newDataDir();
    const cli = await runToEnd(["dist/cli/create-annotator.js", "Ada Lovelace"], serverEnv(dataDir, { ADMIN_TOKEN }));
    expect(cli.code).toBe(1);
    expect(cli.stdout).not.toContain("token");
    expect(cli.stderr).toContain(`no database in DATA_DIR=${path.resolve(dataDir)}`);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("exits with one line when the port is in use, and leaves DATA_DIR free", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    const dataDir = newDataDir();
    try {
      const result = await runToEnd(SERVER_COMMAND.slice(1), serverEnv(dataDir, { PORT: String(port) }));
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`port ${port} .*already in use`));
    } finally {
      taken.close();
    }
    const next = await startServerProcess(dataDir);
    next.child.kill("SIGTERM");
    expect(await next.exited).toBe(0);
  }, PROCESS_TEST_TIMEOUT_MS);

  it("answers a request already received when SIGTERM comes, and exits cleanly with a 10,000-task backlog", async () => {
    const dataDir = newDataDir();
    const server = await startServerProcess(dataDir, { ADMIN_TOKEN });
    const rest = restClient(server.url);
    const customer = await registerCustomer(rest);
    const live = await graphqlClient(server.url)(
      `mutation($id: ID!) { setCustomerTier(customerId: $id, tier: LIVE, labelQuota: 30000) { ... on MutationSetCustomerTierSuccess { data { liveApiKey } } } }`,
      { id: customer.customerId },
      { apiKey: ADMIN_TOKEN },
    );
    expect(live.errors).toBeUndefined();
    customer.apiKey = live.data.setCustomerTier.data.liveApiKey;
    const tasks = Array.from({ length: 10_000 }, (_, i) => imageTask({ metadata: { row: i } }));
    expect((await rest.post("/v1/tasks/batch", { tasks }, { apiKey: customer.apiKey })).status).toBe(202);

    // A second big batch is on the wire when the signal arrives.
    const body = JSON.stringify({ tasks });
    const response = new Promise<{ status: number; body: any; requestId: string }>((resolve, reject) => {
      const req = request(`${server.url}/v1/tasks/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${customer.apiKey}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text), requestId: String(res.headers["x-request-id"]) }));
      });
      req.on("error", reject);
      req.end(body, () => setTimeout(() => server.child.kill("SIGTERM"), 50));
    });
    const answered = await response;
    expect(answered.status).toBe(202);
    // Exit code 0: finished before the shutdown limit (which exits 1).
    expect(await server.exited).toBe(0);
    // The log is written in batches; what was still buffered went out at exit, down to the last line.
    const lines = server.logs.join("").split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
    expect(lines.find((line) => line.requestId === answered.requestId)).toMatchObject({ msg: "request", method: "POST", path: "/v1/tasks/batch", status: 202 });
    expect(lines.at(-1)).toMatchObject({ msg: "stopped" });

    const restarted = await startServerProcess(dataDir);
    try {
      const batch = await restClient(restarted.url).get(`/v1/batches/${answered.body.batch_id}`, { apiKey: customer.apiKey });
      expect(batch.body.task_count).toBe(10_000);
    } finally {
      restarted.child.kill("SIGTERM");
      expect(await restarted.exited).toBe(0);
    }
  }, PROCESS_TEST_TIMEOUT_MS);

  it("keeps answering health promptly while the sandbox crowd labels 500 tasks", async () => {
    const server = await startServerProcess(newDataDir());
    const rest = restClient(server.url);
    try {
      const customer = await registerCustomer(rest);
      const tasks = Array.from({ length: 500 }, () => imageTask());
      const batch = await rest.post("/v1/tasks/batch", { tasks }, { apiKey: customer.apiKey });
      expect(batch.status).toBe(202);
      let slowest = 0;
      const deadline = Date.now() + 280_000;
      for (;;) {
        const started = performance.now();
        expect((await rest.get("/v1/health")).status).toBe(200);
        slowest = Math.max(slowest, performance.now() - started);
        const progress = await rest.get(`/v1/batches/${batch.body.batch_id}`, { apiKey: customer.apiKey });
        if (progress.body.status === "completed") break;
        if (Date.now() > deadline) {
          const problems = server.logs.join("").split("\n").filter((line) => /"level":(40|50|60)/.test(line));
          throw new Error(`batch not done: ${JSON.stringify(progress.body.counts)}; server warnings:\n${problems.slice(-20).join("\n")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // A loose bound against regressions (PGlite took 42 s here); the bench measures the real figures.
      expect(slowest).toBeLessThan(1_000);
    } finally {
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    }
  }, 300_000);
});
