// Load test: `npm run bench` (or BENCH_URL=http://host:port npm run bench for a running server).
// Starts a hello-world baseline and the real server as separate processes, drives
// both with autocannon from this process, and prints requests/s and latency
// percentiles with the ratio against the baseline measured in the same run.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";

const root = path.resolve(import.meta.dirname, "../..");
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

const BASELINE_SOURCE = `
  const http = require("node:http");
  const body = JSON.stringify({ ok: true, service: "hello" });
  const server = http.createServer((req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end(body); });
  server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ url: "http://127.0.0.1:" + server.address().port, msg: "ASG Refinery listening" })));
`;

function startProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      const match = chunk.toString().match(/"url":"(http:\/\/[^"]+)"/);
      if (match) resolve({ child, url: match[1] });
    });
    child.on("exit", (code) => reject(new Error(`process exited with ${code}`)));
  });
}

interface Scenario {
  name: string;
  method?: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

async function run(url: string, scenario: Scenario) {
  const result = await autocannon({
    url: url + scenario.path,
    method: scenario.method ?? "GET",
    headers: scenario.headers,
    body: scenario.body,
    connections: CONNECTIONS,
    duration: DURATION_S,
  });
  const errors = result.non2xx + result.errors + result.timeouts;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors };
}

async function main() {
  const children: ChildProcess[] = [];
  try {
    const baseline = await startProcess(["-e", BASELINE_SOURCE], process.env);
    children.push(baseline.child);
    let target = process.env.BENCH_URL;
    if (!target) {
      const server = await startProcess(["--import", "tsx", "src/server.ts"], {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info", // as deployed: one log line per request
        DATA_DIR: mkdtempSync(path.join(tmpdir(), "refinery-bench-")),
      });
      children.push(server.child);
      target = server.url;
    }
    const registered = await fetch(`${target}/v1/customers`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Bench", email: `bench-${Date.now()}@example.com` }),
    }).then((r) => r.json() as Promise<{ api_key: string }>);
    const auth = { authorization: `Bearer ${registered.api_key}`, "content-type": "application/json" };
    const task = JSON.stringify({ type: "image_classification", data_url: "https://example.com/i.jpg", label_spec: { question: "Q?", options: ["a", "b"] } });
    const created = await fetch(`${target}/v1/tasks`, { method: "POST", headers: auth, body: task }).then(
      (r) => r.json() as Promise<{ task_id: string }>,
    );

    const hello = await run(baseline.url, { name: "hello-world baseline", path: "/" });
    const scenarios: Scenario[] = [
      { name: "GET /v1/health", path: "/v1/health" },
      { name: "GET /v1/tasks/{id} (auth + read)", path: `/v1/tasks/${created.task_id}`, headers: auth },
      { name: "GraphQL task(id)", method: "POST", path: "/graphql", headers: auth, body: JSON.stringify({ query: `{ task(id: "${created.task_id}") { id status } }` }) },
    ];
    console.log(`\n${CONNECTIONS} connections, ${DURATION_S} s per scenario, 2 cores shared by load generator and servers\n`);
    const rows = [{ name: "hello-world baseline", ...hello }];
    for (const scenario of scenarios) rows.push({ name: scenario.name, ...(await run(target, scenario)) });
    console.log("scenario".padEnd(36), "req/s".padStart(9), "p50 ms".padStart(8), "p99 ms".padStart(8), "errors".padStart(7), "vs hello".padStart(9));
    for (const row of rows) {
      console.log(
        row.name.padEnd(36),
        row.rps.toFixed(0).padStart(9),
        String(row.p50).padStart(8),
        String(row.p99).padStart(8),
        String(row.errors).padStart(7),
        (row.rps / hello.rps).toFixed(3).padStart(9),
      );
    }
  } finally {
    for (const child of children) child.kill("SIGTERM");
  }
}

await main();
