// Load test: `npm run bench` (or BENCH_URL=http://host:port npm run bench for a running server).
// Starts a hello-world baseline and the real server as separate processes, drives
// both with autocannon from this process, and prints requests/s and latency
// percentiles with the ratio against the baseline measured in the same run
// (for the reads and single submissions: just before and just after the row).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { Readable } from "node:stream";
import path from "node:path";
import autocannon from "autocannon";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import pg from "pg";
import { currentOwner } from "../../src/db/data-dir-owner.js";

const root = path.resolve(import.meta.dirname, "../..");
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Lines of the manifest a batch job ingests (0 skips it). */
const MANIFEST_LINES = Number(process.env.BENCH_MANIFEST_LINES ?? 100_000);
/** Tasks of one customer the dashboard scenario seeds before timing its endpoints (0 skips it). */
const DASHBOARD_TASKS = Number(process.env.BENCH_DASHBOARD_TASKS ?? 1_000_000);
/** Sandbox tasks the crowd labels during the "under load" scenarios (0 skips them). */
const BACKGROUND_TASKS = Number(process.env.BENCH_BACKGROUND_TASKS ?? 10_000);
/** graphql-ws clients following one batch. */
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
/** Outbox rows the webhook deliverer sends to a local receiver. */
const WEBHOOK_DELIVERIES = Number(process.env.BENCH_WEBHOOK_DELIVERIES ?? 10_000);
const ADMIN_TOKEN = "bench-admin-token-0123456789";
/** Human annotators working the annotator API at once (0 skips the row). */
const ANNOTATORS = Number(process.env.BENCH_ANNOTATORS ?? 50);
// Tasks (completed, 3 judgments each) seeded for the export row; 0 skips it.
const EXPORT_TASKS = Number(process.env.BENCH_EXPORT_TASKS ?? 100_000);

// The baseline the issue's goals are ratios of: a Koa hello-world, the framework the server is built on.
const BASELINE_SOURCE = `
  const Koa = require("koa");
  const app = new Koa();
  app.use((ctx) => { ctx.body = { ok: true, service: "hello" }; });
  const server = app.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ url: "http://127.0.0.1:" + server.address().port, msg: "ASG Refinery listening" })));
`;

// What the read rows could reach without the request pipeline around them:
// Koa, the same shared read of a task (getTask) and its view, nothing else (no
// log line, metrics, auth, rate limit or router). A ceiling for the read rows,
// measured in the same run (the goals stay ratios of the hello-world).
const TASK_READ_CEILING_SOURCE = `
  const Koa = require("koa");
  (async () => {
    const { createPrismaClient } = await import("./src/db/database.ts");
    const { getTask } = await import("./src/domain/tasks/index.ts");
    const { taskView } = await import("./src/domain/representations/index.ts");
    const deps = { prisma: createPrismaClient(process.env.CEILING_DATABASE_URL, 10) };
    const actor = { kind: "customer", customerId: process.env.CEILING_CUSTOMER_ID, environment: "live" };
    const app = new Koa();
    app.use(async (ctx) => { ctx.body = taskView(await getTask(deps, actor, ctx.path.slice(1))); });
    const server = app.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ url: "http://127.0.0.1:" + server.address().port, msg: "listening" })));
  })();
`;

// What the GraphQL row could reach with graphql-yoga itself, the stack's fixed
// GraphQL server: a one-field schema on yoga's own Node server (its fastest
// mount), no database, plugins, auth or log, and no body-size limit (the
// server checks BODY_LIMIT before Yoga; Yoga's own check wraps every body in a
// stream, which halves a hello-world's rate). A ceiling for the GraphQL row,
// measured in the same run.
const YOGA_HELLO_SOURCE = `
  const { createServer } = require("node:http");
  const { createYoga, createSchema } = require("graphql-yoga");
  const schema = createSchema({ typeDefs: "type Query { hello: String }", resolvers: { Query: { hello: () => "world" } } });
  const server = createServer(createYoga({ schema, landingPage: false, graphiql: false, maxRequestBodySize: false }));
  server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ url: "http://127.0.0.1:" + server.address().port, msg: "listening" })));
`;

/**
 * Starts a process whose stdout (the server's log, a line per request) goes to
 * a file rather than through this process, which drives the load and must not
 * spend its CPU reading it. Resolves with the URL it logs once listening.
 */
const logDirs: string[] = [];
async function startProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const logDir = mkdtempSync(path.join(tmpdir(), "refinery-bench-log-"));
  logDirs.push(logDir);
  const logFile = path.join(logDir, "stdout.log");
  const stdout = openSync(logFile, "w");
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", stdout, "inherit"] });
  closeSync(stdout);
  let exitCode: number | null | undefined;
  child.on("exit", (code) => (exitCode = code));
  for (;;) {
    const match = readFileSync(logFile, "utf8").match(/"url":"(http:\/\/[^"]+)"/);
    if (match) return { child, url: match[1] };
    if (exitCode !== undefined) throw new Error(`process exited with ${exitCode}; its output is in ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Scenario {
  name: string;
  method?: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Default CONNECTIONS; 1 measures a request's own latency. */
  connections?: number;
  /**
   * Varies the requests: the path and body of the n-th one, for n below
   * VARIED_REQUESTS (then `path` above only names the target).
   */
  nth?: (n: number) => { path: string; body?: string };
}

async function run(url: string, scenario: Scenario) {
  // autocannon's types do not list its `warmup` option.
  const options: autocannon.Options & { warmup: { connections: number; duration: number } } = {
    url: url + scenario.path,
    method: scenario.method ?? "GET",
    // A copy: autocannon adds the body's Content-Length to the object it is given,
    // which would then go out with later GETs that share it and have no body.
    headers: { ...scenario.headers },
    body: scenario.body,
    connections: scenario.connections ?? CONNECTIONS,
    duration: DURATION_S,
    // One second of the same load first, not counted: every process is measured with its code compiled.
    warmup: { connections: scenario.connections ?? CONNECTIONS, duration: 1 },
    ...(scenario.nth ? variedRequests(scenario) : {}),
  };
  const result = await autocannon(options);
  const errors = result.non2xx + result.errors + result.timeouts;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors };
}

/** How many different requests a varied scenario cycles through (the read rows' 100 tasks). */
const VARIED_REQUESTS = 100;

/**
 * The varied requests, built once: each connection cycles through all of them
 * from its own starting point, so concurrent requests read different tasks,
 * and the load generator spends no more per request than on the fixed
 * hello-world request (building each request anew cost it some 15% of the
 * hello-world's rate, on the cores the server shares with it).
 */
function variedRequests(scenario: Scenario) {
  const { nth } = scenario as Required<Scenario>;
  const requests = Array.from({ length: VARIED_REQUESTS }, (_, n) => ({ method: scenario.method ?? "GET", headers: { ...scenario.headers }, ...nth(n) }));
  let connection = 0;
  const setupClient = (client: { setRequests(requests: object[]): void }) => {
    const start = (connection++ * 7) % requests.length;
    client.setRequests([...requests.slice(start), ...requests.slice(0, start)].map((request) => ({ ...request })));
  };
  return { requests, setupClient };
}

async function main() {
  const children: ChildProcess[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), "refinery-bench-"));
  try {
    const baseline = await startProcess(["-e", BASELINE_SOURCE], process.env);
    children.push(baseline.child);
    let target = process.env.BENCH_URL;
    let server: ChildProcess | undefined;
    if (!target) {
      // BENCH_PROFILE_DIR: the server writes a CPU profile there when it exits (open it in Chrome's DevTools).
      const profile = process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
      const started = await startProcess([...profile, "dist/server.js"], {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info", // as deployed: one log line per request
        DATA_DIR: dataDir,
        ADMIN_TOKEN,
        // The bench serves the job's manifest from this machine.
        ALLOW_PRIVATE_WEBHOOK_TARGETS: "true",
        // The load generator is one customer: measure the server, not its rate limit.
        RATE_LIMIT_SANDBOX: "1000000/s",
        RATE_LIMIT_LIVE: "1000000/s",
      });
      children.push(started.child);
      server = started.child;
      target = started.url;
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

    // The read rows poll 100 tasks in turn, as many customers' pollers would (a
    // live customer's: no sandbox crowd labels them meanwhile).
    const reader = await customerWithQuota(target, "LIVE", 100);
    const polled = await tasksOf(target, reader, 100, task);
    const taskAt = (n: number) => polled[n % polled.length];
    // This machine's speed drifts within a run (the hello-world gave 11,524 to
    // 25,925 req/s in one), so each read row is compared with the mean of the
    // hello-world runs just before and just after it.
    const helloWorld: Scenario = { name: "Koa hello-world baseline", path: "/" };
    const hello = await run(baseline.url, helloWorld);
    const helloRuns = [hello.rps];
    const besideHello = async (name: string, url: string, scenario: Scenario): Promise<Row> => {
      const measured = await run(url, scenario);
      helloRuns.push((await run(baseline.url, helloWorld)).rps);
      return { name, ...measured, baseline: { name: "Koa hello", rps: (helloRuns.at(-2)! + helloRuns.at(-1)!) / 2 } };
    };
    const scenarios: Scenario[] = [
      { name: "GET /v1/health", path: "/v1/health" },
      { name: "GET /v1/tasks/{id} (auth + read)", path: "/v1/tasks", headers: reader, nth: (n) => ({ path: `/v1/tasks/${taskAt(n)}` }) },
      {
        name: "GraphQL task(id)",
        method: "POST",
        path: "/graphql",
        headers: reader,
        nth: (n) => ({ path: "/graphql", body: JSON.stringify({ query: `{ task(id: "${taskAt(n)}") { id status } }` }) }),
      },
    ];
    console.log(`\n${CONNECTIONS} connections, ${DURATION_S} s per scenario, 2 cores shared by load generator and servers\n`);
    const rows: Row[] = [{ name: "Koa hello-world baseline", ...hello }];
    for (const scenario of scenarios) rows.push(await besideHello(scenario.name, target, scenario));
    // The database the server uses: DATABASE_URL's, or the embedded one it started in DATA_DIR.
    const databaseUrl = process.env.DATABASE_URL ?? (process.env.BENCH_URL ? undefined : currentOwner(dataDir)?.databaseUrl);
    if (databaseUrl) {
      const me = await fetch(`${target}/v1/customers/me`, { headers: reader }).then((r) => r.json() as Promise<{ customer_id: string }>);
      const ceiling = await startProcess(["--import", "tsx", "-e", TASK_READ_CEILING_SOURCE], {
        ...process.env,
        CEILING_DATABASE_URL: databaseUrl,
        CEILING_CUSTOMER_ID: me.customer_id,
      });
      children.push(ceiling.child);
      rows.push(await besideHello(TASK_READ_CEILING, ceiling.url, { name: "", path: "/", nth: (n) => ({ path: `/${taskAt(n)}` }) }));
      ceiling.child.kill("SIGTERM");
    }
    const yogaHello = await startProcess(["-e", YOGA_HELLO_SOURCE], process.env);
    children.push(yogaHello.child);
    const helloQuery = { name: "", method: "POST" as const, path: "/graphql", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ hello }" }) };
    rows.push(await besideHello(YOGA_CEILING, yogaHello.url, helloQuery));
    yogaHello.child.kill("SIGTERM");
    if (databaseUrl) rows.push(...(await writes(target, databaseUrl)));
    rows.push(await subscribers(target));
    if (databaseUrl && !process.env.BENCH_URL) rows.push(await webhookDeliveries(target, databaseUrl));
    if (MANIFEST_LINES > 0 && server) rows.push(await manifestIngestion(target, server));
    if (DASHBOARD_TASKS > 0 && databaseUrl) rows.push(...(await dashboardAtScale(target, databaseUrl)));
    if (EXPORT_TASKS > 0 && databaseUrl && server) rows.push(await exportAtScale(target, databaseUrl, server));
    if (ANNOTATORS > 0) rows.push(await annotatorApiRate(target, task));
    if (BACKGROUND_TASKS > 0 && server) {
      rows.push(await sandboxCrowdRate(target, task));
      rows.push(...(await underBackgroundLoad(target, auth, created.task_id, task, server)));
    }
    console.log("scenario".padEnd(46), "req/s".padStart(9), "p50 ms".padStart(8), "p99 ms".padStart(8), "errors".padStart(7), "ratio".padStart(7), "baseline".padStart(12));
    // Rows without a baseline of their own are compared with the first hello-world run.
    const baselineOf = (row: Row) => (row.baseline === undefined ? { name: "Koa hello", rps: hello.rps } : row.baseline);
    const ratioOf = (row: Row) => (baselineOf(row) ? row.rps / baselineOf(row)!.rps : NaN);
    for (const row of rows) {
      const number = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "—");
      console.log(
        row.name.padEnd(46),
        number(row.rps).padStart(9),
        number(row.p50).padStart(8),
        number(row.p99).padStart(8),
        String(row.errors).padStart(7),
        number(ratioOf(row), 3).padStart(7),
        (baselineOf(row)?.name ?? "—").padStart(12),
      );
    }
    console.log(`\nKoa hello-world runs, in order: ${helloRuns.map((rps) => rps.toFixed(0)).join(", ")} req/s`);
    console.log("\ngoals:");
    for (const row of rows) {
      const goal = GOALS.find(([prefix]) => row.name.startsWith(prefix))?.[1];
      if (!goal) continue;
      const met = goal.met(row, ratioOf(row));
      const rss = row.rssGrowthMb === undefined ? "" : ` (RSS +${row.rssGrowthMb} MB)`;
      const ceiling = goal.ceiling && rows.find((candidate) => candidate.name === goal.ceiling);
      const measuredCeiling = ceiling ? ` (${againstCeiling(ratioOf(row), { name: ceiling.name, ratio: ratioOf(ceiling) }, goal.minRatio!, baselineOf(row)!.rps)})` : "";
      console.log(`  ${row.name}${rss}: ${goal.goal} ${met ? "met" : `missed; limited by ${goal.limitedBy}${measuredCeiling}`}`);
    }
    // The same table as JSON, for comparing runs.
    const output = process.env.BENCH_OUTPUT ?? "bench-results.json";
    const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
    writeFileSync(output, JSON.stringify({ at: new Date().toISOString(), machine, secondsPerScenario: DURATION_S, connections: CONNECTIONS, rows }, null, 2) + "\n");
    console.log(`\nwritten to ${output}`);
  } finally {
    const exited = children.map((child) => (child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((resolve) => child.once("exit", resolve))));
    for (const child of children) child.kill("SIGTERM");
    // The server stops its embedded PostgreSQL before it exits; only then is its DATA_DIR let go.
    await Promise.race([Promise.all(exited), new Promise((resolve) => setTimeout(resolve, 20_000).unref())]);
    // A run's logs hold a line per request (hundreds of MB), and its database the seeded tasks (about 5 GB).
    for (const dir of [...logDirs, dataDir]) rmSync(dir, { recursive: true, force: true });
  }
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** What the ratio is against, when not the first hello-world run (null: no ratio). */
  baseline?: { name: string; rps: number } | null;
  /** Peak server RSS over idle while it ran (the batch job). */
  rssGrowthMb?: number;
}

/**
 * How far a row is from its ceiling in this run, as time per request (the
 * server is the bottleneck in these rows): what the row spends beyond the
 * ceiling, and what the goal would leave it. Both from the ratios, each
 * against its own neighbouring hello-world runs, in µs of the row's baseline.
 */
function againstCeiling(ratio: number, ceiling: { name: string; ratio: number }, minRatio: number, baselineRps: number): string {
  const microseconds = (ratioOfBaseline: number) => 1e6 / (ratioOfBaseline * baselineRps);
  const beyond = microseconds(ratio) - microseconds(ceiling.ratio);
  const allowed = microseconds(minRatio) - microseconds(ceiling.ratio);
  const left = allowed >= 0 ? `the goal would leave it ${allowed.toFixed(1)} µs` : "the goal is above the ceiling itself";
  return `in this run: "${ceiling.name}" ${ceiling.ratio.toFixed(3)}; the row takes ${beyond.toFixed(1)} µs per request more than it, ${left}`;
}

/** A goal on the ratio against the row's baseline. */
function atLeastRatio(minRatio: number): Pick<Goal, "goal" | "met" | "minRatio"> {
  return { goal: `ratio >= ${minRatio.toFixed(2)}`, met: (_row, ratio) => ratio >= minRatio, minRatio };
}

interface Goal {
  goal: string;
  met: (row: Row, ratio: number) => boolean;
  minRatio?: number;
  /** What a CPU profile (BENCH_PROFILE_DIR) showed limits the row on the README's 2-core machine. */
  limitedBy: string;
  /** The ceiling row that bounds the goal's row (a ratio goal's): compared with it beside a miss. */
  ceiling?: string;
}

const TASK_READ_CEILING = "ceiling: Koa + the task read alone";
const YOGA_CEILING = "ceiling: graphql-yoga hello-world";

/** The goals of the throughput issue, by row name prefix. */
const GOALS: [string, Goal][] = [
  ["GET /v1/tasks/{id}", {
    ...atLeastRatio(0.4),
    limitedBy:
      "the request pipeline around the read, on 2 cores shared with PostgreSQL and the load generator: the ceiling row (Koa and the same shared read, nothing else) is the most it could reach, about at the goal; the pipeline is the request id, log line, metrics, auth, rate limit, input checks and the router, none of them more than a third of its cost (scratch builds with each part removed)",
    ceiling: TASK_READ_CEILING,
  }],
  ["GraphQL task(id)", {
    ...atLeastRatio(0.3),
    limitedBy:
      "graphql-yoga itself, the stack's GraphQL server: its own hello-world (one field, no database, plugins, auth or log, on yoga's own Node server) is the most the row could reach, and was below the goal in every run so far; yoga's per-request work is its HTTP layer (fetch-API Request and Response, its plugins' hooks, result processing) — a scratch build that called envelop directly served 1.6× the requests — then the cached parse and validation, the context, and execution with the Pothos plugins",
    ceiling: YOGA_CEILING,
  }],
  ["POST /v1/tasks,", {
    ...atLeastRatio(0.5),
    limitedBy:
      "the request path's fixed cost per submission (HTTP, middleware, JSON body, validation, request log: about 0.2 ms of server CPU each), on 2 cores shared with PostgreSQL and the load generator; the database work is one prepared statement per group of concurrent submissions",
  }],
  ["POST /v1/tasks/batch", { goal: ">= 20,000 tasks/s", met: (row) => row.rps * 1_000 >= 20_000, limitedBy: "one multi-row INSERT per batch: the database's insert rate" }],
  [`${SUBSCRIBERS} subscribers`, { goal: "p99 <= 250 ms", met: (row) => row.p99 <= 250, limitedBy: "one read per change shared by all subscribers, then one write per socket" }],
  ["webhook deliveries", {
    goal: ">= 1,000/s",
    met: (row) => row.rps >= 1_000,
    limitedBy: "one delivery in flight per endpoint (20 here), each a POST and one prepared statement, with PostgreSQL and the receiver on the same 2 cores",
  }],
  ["batch job", {
    goal: ">= 20,000 lines/s, RSS within +50 MB",
    met: (row) => row.rps >= 20_000 && (row.rssGrowthMb ?? Infinity) <= 50,
    limitedBy: "PostgreSQL's insert rate (the server waits on it half the time)",
  }],
  ["export ", {
    goal: "RSS within +50 MB",
    met: (row) => (row.rssGrowthMb ?? Infinity) <= 50,
    limitedBy: "reading the tasks and their judgments in pages of 500 and writing 1 MB chunks, one export at a time per worker process",
  }],
  ["dashboard/", { goal: "p99 <= 200 ms", met: (row) => row.p99 <= 200, limitedBy: "deep pages skip index entries" }],
  [
    "annotator API judgments/s",
    {
      goal: ">= 1,000 judgments/s, p99 <= 50 ms",
      met: (row) => row.rps >= 1_000 && row.p99 <= 50,
      limitedBy:
        "the server's CPU: a claim and a judgment are two prepared statements each (a completion about ten more) plus a GraphQL mutation each, and on this VM each statement's socket write costs about 90 µs of CPU (17% of the server's time in writev in a CPU profile), on 2 cores shared with PostgreSQL and the load generator",
    },
  ],
  [
    "sandbox crowd tasks/s",
    {
      goal: ">= 300 tasks/s, health p99 <= 50 ms",
      met: (row) => row.rps >= 300 && row.p99 <= 50,
      limitedBy: "each round's statements (claim, judgments, completion with the rollup triggers, events) and its Dawid–Skene fit, one round at a time per worker process",
    },
  ],
];

/**
 * Writes against what the database itself can do: POST /v1/tasks with 50
 * connections for one live customer (its tasks wait for people, so nothing
 * else runs) between two runs of raw single-row INSERTs, then batches of 1,000 tasks.
 */
async function writes(target: string, databaseUrl: string): Promise<Row[]> {
  const raw = await rawInserts(databaseUrl);
  const auth = await customerWithQuota(target, "LIVE", 10_000_000);
  const task = { type: "image_classification", data_url: "https://example.com/i.jpg", label_spec: { question: "Q?", options: ["a", "b"] } };
  const single = await run(target, { name: "", method: "POST", path: "/v1/tasks", headers: auth, body: JSON.stringify(task), connections: 50 });
  // As for the reads: the database's insert rate just before and just after the submissions.
  const rawAfter = await rawInserts(databaseUrl);
  const batch = await run(target, {
    name: "",
    method: "POST",
    path: "/v1/tasks/batch",
    headers: auth,
    body: JSON.stringify({ tasks: Array.from({ length: 1_000 }, () => task) }),
    connections: 4,
  });
  console.log(`\nbatches of 1,000: ${(batch.rps * 1_000).toFixed(0)} tasks/s (p50 ${batch.p50} ms per batch; goal 20,000 tasks/s)\n`);
  const insertRate = { name: "raw INSERT", rps: (raw.rps + rawAfter.rps) / 2 };
  return [
    { name: "raw single-row INSERT, 8 clients", ...raw, rps: insertRate.rps, baseline: insertRate },
    { name: "POST /v1/tasks, 50 connections", ...single, baseline: insertRate },
    { name: "POST /v1/tasks/batch × 1,000, 4 connections", ...batch, baseline: null },
  ];
}

/** Single-row INSERTs of 8 raw clients into a table of the database, each its own transaction. */
async function rawInserts(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 8 });
  await pool.query("CREATE TABLE IF NOT EXISTS bench_raw_insert (id text PRIMARY KEY, customer_id text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
  let inserted = 0;
  const latencies: number[] = [];
  const until = Date.now() + DURATION_S * 1000;
  await Promise.all(
    Array.from({ length: 8 }, async (_, client) => {
      for (let i = 0; Date.now() < until; i++) {
        const started = performance.now();
        await pool.query("INSERT INTO bench_raw_insert (id, customer_id, payload) VALUES ($1, $2, $3)", [`${client}-${i}-${Date.now()}`, "cust_bench", '{"question": "Q?"}']);
        latencies.push(performance.now() - started);
        inserted++;
      }
    }),
  );
  await pool.query("DROP TABLE bench_raw_insert");
  await pool.end();
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => Math.round(latencies[Math.floor((latencies.length - 1) * p)]);
  return { rps: inserted / DURATION_S, p50: percentile(0.5), p99: percentile(0.99), errors: 0 };
}

/**
 * SUBSCRIBERS graphql-ws clients (one socket each) follow one batch with
 * taskUpdates; a task of it is canceled over REST, three times: the latency
 * from the cancel's answer to each subscriber's event. Goal: p99 ≤ 250 ms.
 */
async function subscribers(target: string): Promise<Row> {
  const auth = await customerWithQuota(target, "LIVE", 100);
  const task = { type: "image_classification", data_url: "https://example.com/i.jpg", label_spec: { question: "Q?", options: ["a", "b"] } };
  const batch = (await fetch(`${target}/v1/tasks/batch`, { method: "POST", headers: auth, body: JSON.stringify({ tasks: [task, task, task, task] }) }).then((r) =>
    r.json(),
  )) as { batch_id: string; task_ids: string[] };
  const arrivals: ((at: number) => void)[] = [];
  const clients = Array.from({ length: SUBSCRIBERS }, () =>
    createClient({ url: target.replace(/^http/, "ws") + "/graphql", webSocketImpl: WebSocket, connectionParams: { authorization: auth.authorization }, retryAttempts: 0 }),
  );
  const started: Promise<void>[] = clients.map(
    (client, i) =>
      new Promise<void>((resolve, reject) => {
        let first = true;
        client.subscribe(
          { query: `subscription($b: ID) { taskUpdates(batchId: $b) { task { id status } batch { id } } }`, variables: { b: batch.batch_id } },
          {
            // The first update (the batch as it is) says the subscription is live.
            next: () => (first ? ((first = false), resolve()) : arrivals[i]?.(performance.now())),
            error: reject,
            complete: () => {},
          },
        );
      }),
  );
  const latencies: number[] = [];
  let missing = 0;
  try {
    await Promise.all(started);
    for (const taskId of batch.task_ids.slice(0, 3)) {
      const received = clients.map((_, i) => new Promise<number>((resolve) => (arrivals[i] = resolve)));
      const sent = performance.now();
      await fetch(`${target}/v1/tasks/${taskId}/cancel`, { method: "POST", headers: auth, body: "{}" });
      const times = await Promise.all(received.map((arrival) => Promise.race([arrival, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))])));
      for (const at of times) if (at === null) missing++;
      else latencies.push(at - sent);
    }
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
  }
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => Math.round(latencies[Math.floor((latencies.length - 1) * p)] ?? NaN);
  console.log(`\n${SUBSCRIBERS} graphql-ws subscribers × 3 status changes: event latency p50 ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms (goal p99 ≤ 250 ms), ${missing} missed\n`);
  return { name: `${SUBSCRIBERS} subscribers, event latency`, rps: NaN, p50: percentile(0.5), p99: percentile(0.99), errors: missing, baseline: null };
}

/**
 * Webhook deliveries to a receiver on this machine: WEBHOOK_DELIVERIES outbox
 * rows (seeded with SQL) for 20 endpoints of one customer; deliveries/s from
 * seeding until the receiver has them all. Goal: ≥ 1,000/s.
 */
async function webhookDeliveries(target: string, databaseUrl: string): Promise<Row> {
  let received = 0;
  let allReceived: () => void = () => {};
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200).end();
      if (++received === WEBHOOK_DELIVERIES) allReceived();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const auth = await customerWithQuota(target, "LIVE", 10);
  const me = (await fetch(`${target}/v1/customers/me`, { headers: auth }).then((r) => r.json())) as { customer_id: string };
  const port = (receiver.address() as AddressInfo).port;
  for (let endpoint = 0; endpoint < 20; endpoint++) {
    const res = await fetch(`${target}/v1/webhooks`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ callback_url: `http://127.0.0.1:${port}/hook/${endpoint}` }),
    });
    if (res.status !== 201) throw new Error(`webhook registration answered ${res.status}: ${await res.text()}`);
  }
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const started = performance.now();
  try {
    await db.query(
      `WITH event AS (
         INSERT INTO events (id, customer_id, environment, type, payload) SELECT 'evt_bench' || lpad(g::text, 8, '0'), $1, 'live', 'task.completed', '{"task_id": "tsk_bench"}'
         FROM generate_series(1, $2::int) g RETURNING id)
       INSERT INTO webhook_deliveries (id, webhook_id, event_id, status, next_attempt_at)
       SELECT 'dlv_' || substr(e.id, 5), w.id, e.id, 'pending', now()
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM event) e
       JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM webhooks WHERE customer_id = $1) w ON w.n = e.n % 20`,
      [me.customer_id, WEBHOOK_DELIVERIES],
    );
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 120_000))]);
  } finally {
    await db.end();
    receiver.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const rate = received / seconds;
  console.log(`webhooks: ${received} of ${WEBHOOK_DELIVERIES} deliveries to 20 endpoints in ${seconds.toFixed(1)} s (${rate.toFixed(0)}/s; goal ≥ 1,000/s)\n`);
  return { name: "webhook deliveries/s, 20 endpoints", rps: rate, p50: NaN, p99: NaN, errors: WEBHOOK_DELIVERIES - received, baseline: null };
}

/**
 * The dashboard over DASHBOARD_TASKS tasks of one live customer, spread over
 * 30 days: 80% completed with 3 judgments each (and billed), the rest pending
 * or canceled. Seeded with SQL (the API would take far longer), then each
 * dashboard endpoint is timed. Goal: ≤ 200 ms each.
 */
async function dashboardAtScale(target: string, databaseUrl: string): Promise<Row[]> {
  const auth = await customerWithQuota(target, "LIVE", DASHBOARD_TASKS);
  const me = await fetch(`${target}/v1/customers/me`, { headers: auth }).then((r) => r.json() as Promise<{ customer_id: string }>);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const started = Date.now();
  try {
    // ULID-like ids whose time part is the task's creation time: the dashboard's windows are id ranges.
    await db.query(`CREATE FUNCTION pg_temp.ulid_time(ms bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
      SELECT string_agg(substr('0123456789abcdefghjkmnpqrstvwxyz', ((ms >> (5 * (9 - i))) & 31)::int + 1, 1), '' ORDER BY i)
      FROM generate_series(0, 9) i $$`);
    await db.query(`INSERT INTO annotators (id, name, kind, token_hash, token_prefix)
      SELECT 'ann_bench' || i, 'Bench ' || i, 'human', md5(random()::text || i), 'at_benc' FROM generate_series(1, 3) i`);
    await db.query(
      `INSERT INTO tasks (id, customer_id, environment, type, status, data_url, label_spec, priority, replication, billable, workforce, target_judgments,
                          result, confidence, judgment_count, agreeing_judgments, created_at, updated_at, completed_at)
       SELECT 'tsk_' || pg_temp.ulid_time((extract(epoch FROM created) * 1000)::bigint) || lpad(to_hex(g), 16, '0'), $1, 'live',
              (ARRAY['image_classification', 'text_classification'])[1 + g % 2],
              CASE WHEN g % 10 < 8 THEN 'completed' WHEN g % 10 = 8 THEN 'pending' ELSE 'canceled' END,
              'https://example.com/' || g || '.jpg', '{"question": "Q?", "options": ["a", "b"]}', g % 11, 3, true, 'human', 3,
              CASE WHEN g % 10 < 8 THEN '{"label": "a"}'::jsonb END,
              CASE WHEN g % 10 < 8 THEN 0.5 + (g % 50) / 100.0 END,
              CASE WHEN g % 10 < 8 THEN 3 ELSE 0 END,
              -- The third judgment (below) disagrees on ids ending in 0..3.
              CASE WHEN g % 10 < 8 THEN CASE WHEN right(to_hex(g), 1) < '4' THEN 2 ELSE 3 END END,
              created, created, CASE WHEN g % 10 < 8 THEN created + make_interval(secs => g % 900) END
       FROM generate_series(1, $2::int) g, LATERAL (SELECT now() - make_interval(secs => 30 * 86400.0 * ($2::int - g) / $2::int) AS created) t`,
      [me.customer_id, DASHBOARD_TASKS],
    );
    await db.query(`INSERT INTO assignments (id, task_id, annotator_id, status, leased_until, created_at, submitted_at)
      SELECT 'asg_' || substr(t.id, 5) || a, t.id, 'ann_bench' || a, 'submitted', t.completed_at, t.created_at, t.completed_at
      FROM tasks t, generate_series(1, 3) a WHERE t.customer_id = $1 AND t.status = 'completed'`, [me.customer_id]);
    await db.query(`INSERT INTO judgments (id, task_id, annotator_id, assignment_id, answer, created_at)
      SELECT 'jdg_' || substr(t.id, 5) || a, t.id, 'ann_bench' || a, 'asg_' || substr(t.id, 5) || a,
             CASE WHEN a = 3 AND right(t.id, 1) < '4' THEN '{"label": "b"}'::jsonb ELSE '{"label": "a"}'::jsonb END, t.completed_at
      FROM tasks t, generate_series(1, 3) a WHERE t.customer_id = $1 AND t.status = 'completed'`, [me.customer_id]);
    await db.query(`INSERT INTO billed_labels (task_id, customer_id, type, tier, unit_price, billed_at)
      SELECT id, customer_id, type, 'live', 8, completed_at FROM tasks WHERE customer_id = $1 AND status = 'completed'`, [me.customer_id]);
    await db.query(`UPDATE customers SET labels_used = $2 WHERE id = $1`, [me.customer_id, DASHBOARD_TASKS]);
    // What autovacuum does soon after a bulk insert (it sets the visibility map
    // that index-only scans rely on); the bench should not time its absence.
    await db.query("VACUUM ANALYZE");
  } finally {
    await db.end();
  }
  console.log(`
dashboard: ${DASHBOARD_TASKS} tasks (80% completed, 3 judgments each) seeded in ${((Date.now() - started) / 1000).toFixed(0)} s
`);
  const sorts = ["created_at_desc", "created_at_asc", "updated_at_desc", "priority_desc"];
  const endpoints = [
    ["overview", "overview"],
    ...sorts.map((sort) => [`tasks page 1, ${sort}`, `tasks?page=1&per_page=25&status=&sort=${sort}`]),
    // Page 2,000 of 100: 199,900 tasks skipped.
    ...sorts.map((sort) => [`tasks p2000 completed ${sort}`, `tasks?page=2000&per_page=100&status=completed&sort=${sort}`]),
    ["tasks p2000 all priority_desc", "tasks?page=2000&per_page=100&status=&sort=priority_desc"],
    ["quality", "quality"],
    ["usage", "usage"],
  ];
  const rows = [];
  for (const [name, endpoint] of endpoints) {
    // One connection: the latency of one request, not of a queue of them.
    rows.push({ name: `dashboard/${name}`.slice(0, 46), ...(await run(target, { name: "", path: `/v1/dashboard/${endpoint}`, headers: auth, connections: 1 })) });
  }
  return rows;
}

/**
 * EXPORT_TASKS completed tasks (3 judgments each, seeded in SQL) exported as
 * JSONL: POST /v1/exports, built by the worker, then downloaded. Tasks/s from
 * the request to the end of the download; the server's RSS before and at its
 * peak meanwhile.
 */
async function exportAtScale(target: string, databaseUrl: string, server: ChildProcess): Promise<Row> {
  const auth = await customerWithQuota(target, "LIVE", 1);
  const me = await fetch(`${target}/v1/customers/me`, { headers: auth }).then((r) => r.json() as Promise<{ customer_id: string }>);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(`INSERT INTO annotators (id, name, kind, token_hash, token_prefix)
      SELECT 'ann_bexp' || i, 'Export bench ' || i, 'human', md5(random()::text || i), 'at_bexp' FROM generate_series(1, 3) i ON CONFLICT DO NOTHING`);
    await db.query(
      `INSERT INTO tasks (id, customer_id, environment, type, status, data_url, label_spec, metadata, replication, workforce, target_judgments,
                          result, confidence, judgment_count, created_at, updated_at, completed_at)
       SELECT 'tsk_bexp' || lpad(g::text, 22, '0'), $1, 'live', 'image_classification', 'completed', 'https://example.com/' || g || '.jpg',
              '{"question": "Q?", "options": ["a", "b"]}', jsonb_build_object('row', g), 3, 'human', 3, '{"label": "a"}', 0.9, 3, now(), now(), now()
       FROM generate_series(1, $2::int) g`,
      [me.customer_id, EXPORT_TASKS],
    );
    await db.query(`INSERT INTO assignments (id, task_id, annotator_id, status, leased_until, created_at, submitted_at)
      SELECT 'asg_' || substr(t.id, 5) || a, t.id, 'ann_bexp' || a, 'submitted', now(), now(), now()
      FROM tasks t, generate_series(1, 3) a WHERE t.customer_id = $1`, [me.customer_id]);
    await db.query(`INSERT INTO judgments (id, task_id, annotator_id, assignment_id, answer, created_at)
      SELECT 'jdg_' || substr(t.id, 5) || a, t.id, 'ann_bexp' || a, 'asg_' || substr(t.id, 5) || a, '{"label": "a"}', now()
      FROM tasks t, generate_series(1, 3) a WHERE t.customer_id = $1`, [me.customer_id]);
    await db.query("VACUUM ANALYZE tasks, judgments");
  } finally {
    await db.end();
  }
  const idleRss = memoryOf(server.pid!).serverRssMb;
  let peakRss = idleRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, memoryOf(server.pid!).serverRssMb)), 100);
  const started = Date.now();
  try {
    const created = await fetch(`${target}/v1/exports`, { method: "POST", headers: auth, body: JSON.stringify({ format: "jsonl" }) }).then((r) => r.json() as Promise<{ export_id: string }>);
    let exported: { status: string; task_count: number; download_url: string };
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      exported = await fetch(`${target}/v1/exports/${created.export_id}`, { headers: auth }).then((r) => r.json() as Promise<typeof exported>);
    } while (exported.status === "queued" || exported.status === "building");
    const built = (Date.now() - started) / 1000;
    let bytes = 0;
    const download = await fetch(target + exported.download_url, { headers: auth });
    for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `\nexport: ${exported.task_count} of ${EXPORT_TASKS} tasks as JSONL (${(bytes / 2 ** 20).toFixed(0)} MB), built in ${built.toFixed(1)} s, downloaded by ${seconds.toFixed(1)} s ` +
        `(status ${exported.status}); server RSS ${idleRss} MB before, ${peakRss} MB at peak\n`,
    );
    return { name: "export tasks/s (jsonl, built + downloaded)", rps: exported.task_count / seconds, p50: NaN, p99: NaN, errors: EXPORT_TASKS - exported.task_count, baseline: null, rssGrowthMb: peakRss - idleRss };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * ANNOTATORS people at once through the annotator API: each loops
 * nextAssignment → submitJudgment over GraphQL (one connection each) on a
 * live customer's tasks (3 judgments each) for DURATION_S, after one
 * uncounted second. Judgments/s; p50/p99 of every call, claims and
 * submissions alike.
 */
async function annotatorApiRate(target: string, task: string): Promise<Row> {
  const capacity = Math.max(3_000, ANNOTATORS * DURATION_S * 40);
  const auth = await customerWithQuota(target, "LIVE", capacity);
  for (let left = capacity; left > 0; left -= 10_000) {
    const tasks = Array.from({ length: Math.min(left, 10_000) }, () => JSON.parse(task));
    const created = await fetch(`${target}/v1/tasks/batch`, { method: "POST", headers: auth, body: JSON.stringify({ tasks }) });
    if (created.status !== 202) throw new Error(`annotator bench batch answered ${created.status}`);
  }
  const graphql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${target}/graphql`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as { data?: any; errors?: unknown[] };
  };
  const tokens = await Promise.all(
    Array.from({ length: ANNOTATORS }, async (_, i) => {
      const made = await graphql(ADMIN_TOKEN, `mutation($n: String!) { createAnnotator(name: $n) { ... on MutationCreateAnnotatorSuccess { data { token } } } }`, { n: `Bench annotator ${i}` });
      return made.data.createAnnotator.data.token as string;
    }),
  );
  const latencies: number[] = [];
  let judgments = 0;
  let errors = 0;
  let counting = false;
  let running = true;
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const sent = performance.now();
    const result = await call();
    if (counting) latencies.push(performance.now() - sent);
    return result;
  };
  const work = async (token: string) => {
    while (running) {
      const claimed = await timed(() => graphql(token, `mutation { nextAssignment { id } }`));
      const assignmentId = claimed.data?.nextAssignment?.id;
      if (!assignmentId) {
        if (claimed.errors) errors++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const judged = await timed(() =>
        graphql(token, `mutation($id: ID!) { submitJudgment(assignmentId: $id, answer: {label: "a"}) { __typename } }`, { id: assignmentId }),
      );
      if (judged.data?.submitJudgment?.__typename !== "MutationSubmitJudgmentSuccess") errors++;
      else if (counting) judgments++;
    }
  };
  const workers = tokens.map(work);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  counting = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, DURATION_S * 1_000));
  counting = false;
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => Math.round(latencies[Math.floor((latencies.length - 1) * p)] ?? NaN);
  console.log(`\nannotator API: ${ANNOTATORS} annotators, ${judgments} judgments in ${seconds.toFixed(1)} s; call p50 ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms\n`);
  return { name: `annotator API judgments/s, ${ANNOTATORS} annotators`, rps: judgments / seconds, p50: percentile(0.5), p99: percentile(0.99), errors, baseline: null };
}

/**
 * The sandbox crowd alone: BACKGROUND_TASKS tasks (3 judgments each) from
 * submission to the last completion, as tasks/s; p50/p99 are of a health
 * check polled meanwhile (one connection, every 20 ms).
 */
async function sandboxCrowdRate(target: string, task: string): Promise<Row> {
  const crowdAuth = await customerWithQuota(target, "SANDBOX", BACKGROUND_TASKS);
  const started = Date.now();
  const batchIds: string[] = [];
  for (let left = BACKGROUND_TASKS; left > 0; left -= 10_000) {
    const tasks = Array.from({ length: Math.min(left, 10_000) }, () => JSON.parse(task));
    const created = await fetch(`${target}/v1/tasks/batch`, { method: "POST", headers: crowdAuth, body: JSON.stringify({ tasks }) });
    batchIds.push(((await created.json()) as { batch_id: string }).batch_id);
  }
  const latencies: number[] = [];
  let labeling = true;
  let errors = 0;
  const health = (async () => {
    while (labeling) {
      const sent = performance.now();
      const res = await fetch(`${target}/v1/health`);
      await res.arrayBuffer();
      if (!res.ok) errors++;
      latencies.push(performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  for (;;) {
    const states = await Promise.all(
      batchIds.map((id) => fetch(`${target}/v1/batches/${id}`, { headers: crowdAuth }).then((r) => r.json() as Promise<{ status: string }>)),
    );
    if (states.every((b) => b.status === "completed")) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const seconds = (Date.now() - started) / 1000;
  labeling = false;
  await health;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => Math.round(latencies[Math.floor((latencies.length - 1) * p)] ?? NaN);
  console.log(`\nsandbox crowd alone: ${BACKGROUND_TASKS} tasks (${BACKGROUND_TASKS * 3} judgments) in ${seconds.toFixed(1)} s; health p99 ${percentile(0.99)} ms meanwhile\n`);
  return { name: `sandbox crowd tasks/s (health p50/p99)`, rps: BACKGROUND_TASKS / seconds, p50: percentile(0.5), p99: percentile(0.99), errors, baseline: null };
}

/**
 * The server's own work must not starve requests: health and a task read
 * while the sandbox crowd labels BACKGROUND_TASKS tasks, and while another
 * 10,000-task batch is being inserted. Then memory once the crowd is done.
 */
async function underBackgroundLoad(target: string, auth: Record<string, string>, taskId: string, task: string, server: ChildProcess): Promise<Row[]> {
  const crowdAuth = await customerWithQuota(target, "SANDBOX", BACKGROUND_TASKS);
  const batch = (count: number) => JSON.stringify({ tasks: Array.from({ length: count }, () => JSON.parse(task)) });
  const batchIds: string[] = [];
  for (let left = BACKGROUND_TASKS; left > 0; left -= 10_000) {
    const created = await fetch(`${target}/v1/tasks/batch`, { method: "POST", headers: crowdAuth, body: batch(Math.min(left, 10_000)) });
    batchIds.push(((await created.json()) as { batch_id: string }).batch_id);
  }
  const started = Date.now();
  const rows = [];
  rows.push({ name: "health, crowd labeling", ...(await run(target, { name: "", path: "/v1/health" })) });
  rows.push({ name: "GET task, crowd labeling", ...(await run(target, { name: "", path: `/v1/tasks/${taskId}`, headers: auth })) });
  // Big batches of a live customer land while we measure (they wait for human annotators).
  const liveAuth = await customerWithQuota(target, "LIVE", 1_000_000);
  let inserting = true;
  const inserts = (async () => {
    let count = 0;
    while (inserting) {
      const res = await fetch(`${target}/v1/tasks/batch`, { method: "POST", headers: liveAuth, body: batch(10_000) });
      if (res.status !== 202) throw new Error(`batch insert answered ${res.status}: ${await res.text()}`);
      count++;
    }
    return count;
  })();
  rows.push({ name: "health, 10k batch inserting", ...(await run(target, { name: "", path: "/v1/health" })) });
  rows.push({ name: "GET task, 10k batch inserting", ...(await run(target, { name: "", path: `/v1/tasks/${taskId}`, headers: auth })) });
  inserting = false;
  const batchesInserted = await inserts;

  // Wait for the crowd, then weigh the server and its PostgreSQL.
  for (;;) {
    const states = await Promise.all(
      batchIds.map((id) => fetch(`${target}/v1/batches/${id}`, { headers: crowdAuth }).then((r) => r.json() as Promise<{ status: string }>)),
    );
    if (states.every((b) => b.status === "completed")) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  const seconds = (Date.now() - started) / 1000;
  const memory = memoryOf(server.pid!);
  console.log(
    `\nsandbox crowd: ${BACKGROUND_TASKS} tasks labeled in ${seconds.toFixed(0)} s (${(BACKGROUND_TASKS / seconds).toFixed(1)} tasks/s); ` +
      `${batchesInserted} extra 10,000-task batches inserted meanwhile`,
  );
  console.log(
    `memory after: server RSS ${memory.serverRssMb} MB, PostgreSQL ${memory.postgresPssMb} MB (PSS over ${memory.postgresProcesses} processes), ` +
      `together ${memory.serverRssMb + memory.postgresPssMb} MB\n`,
  );
  return rows;
}

/**
 * A batch job of MANIFEST_LINES lines, served over HTTP from here (generated
 * as it streams), for a live customer (no labeling): lines/s from creation to
 * "labeling", and the server's RSS before and at its peak meanwhile.
 */
async function manifestIngestion(target: string, server: ChildProcess): Promise<Row> {
  const manifest = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    const stream = Readable.from(
      (function* () {
        for (let line = 1; line <= MANIFEST_LINES; line += 1_000) {
          const end = Math.min(MANIFEST_LINES, line + 999);
          yield Array.from({ length: end - line + 1 }, (_, i) => JSON.stringify({ source: `review ${line + i}`, row: line + i })).join("\n") + "\n";
        }
      })(),
    );
    stream.pipe(res);
  });
  await new Promise<void>((resolve) => manifest.listen(0, "127.0.0.1", resolve));
  try {
    const auth = await customerWithQuota(target, "LIVE", MANIFEST_LINES);
    const idleRss = memoryOf(server.pid!).serverRssMb;
    const started = Date.now();
    const created = await fetch(`${target}/v1/jobs`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        manifest_url: `http://127.0.0.1:${(manifest.address() as AddressInfo).port}/manifest.jsonl`,
        label_spec: { question: "Sentiment?", options: ["pos", "neg"] },
      }),
    }).then((r) => r.json() as Promise<{ job_id: string }>);
    let peakRss = idleRss;
    let job: { status: string; counts: { tasks_created: number } };
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      peakRss = Math.max(peakRss, memoryOf(server.pid!).serverRssMb);
      job = await fetch(`${target}/v1/jobs/${created.job_id}`, { headers: auth }).then((r) => r.json() as Promise<typeof job>);
    } while (job.status === "queued" || job.status === "ingesting");
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `\nbatch job: ${job.counts.tasks_created} of ${MANIFEST_LINES} manifest lines ingested in ${seconds.toFixed(1)} s ` +
        `(${(MANIFEST_LINES / seconds).toFixed(0)} lines/s, status ${job.status}); server RSS ${idleRss} MB before, ${peakRss} MB at peak\n`,
    );
    return {
      name: "batch job lines/s",
      rps: job.counts.tasks_created / seconds,
      p50: NaN,
      p99: NaN,
      errors: MANIFEST_LINES - job.counts.tasks_created,
      baseline: null,
      rssGrowthMb: peakRss - idleRss,
    };
  } finally {
    manifest.close();
  }
}

/** The ids of `count` new tasks of the customer, submitted in one batch. */
async function tasksOf(target: string, auth: Record<string, string>, count: number, task: string): Promise<string[]> {
  const tasks = Array.from({ length: count }, () => JSON.parse(task));
  await fetch(`${target}/v1/tasks/batch`, { method: "POST", headers: auth, body: JSON.stringify({ tasks }) });
  const page = await fetch(`${target}/v1/tasks?limit=${count}`, { headers: auth }).then((r) => r.json() as Promise<{ data: { task_id: string }[] }>);
  return page.data.map((listed) => listed.task_id);
}

/** A new customer of the tier, with the quota set by the operator; the auth headers of its key of that tier. */
async function customerWithQuota(target: string, tier: "SANDBOX" | "LIVE", labelQuota: number) {
  const customer = await fetch(`${target}/v1/customers`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: tier, email: `${tier.toLowerCase()}-${Date.now()}@example.com` }),
  }).then((r) => r.json() as Promise<{ api_key: string; customer_id: string }>);
  const answer = await fetch(`${target}/graphql`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      query: `mutation($id: ID!, $tier: CustomerTier!, $q: Int!) {
        setCustomerTier(customerId: $id, tier: $tier, labelQuota: $q) { ... on MutationSetCustomerTierSuccess { data { liveApiKey } } }
      }`,
      variables: { id: customer.customer_id, tier, q: labelQuota },
    }),
  }).then((r) => r.json());
  if (answer.errors) throw new Error(`could not set the customer's tier: ${JSON.stringify(answer.errors)}`);
  // A live customer's tasks go to people only when sent with its live key.
  const key = tier === "LIVE" ? answer.data.setCustomerTier.data.liveApiKey : customer.api_key;
  return { authorization: `Bearer ${key}`, "content-type": "application/json" };
}

/** RSS of the server; PSS of its PostgreSQL processes (RSS would count shared buffers once per process). */
function memoryOf(serverPid: number) {
  const kb = (file: string, field: string) => {
    try {
      return Number(readFileSync(file, "utf8").match(new RegExp(`^${field}:\\s+(\\d+)`, "m"))?.[1] ?? 0);
    } catch {
      return 0; // A PostgreSQL backend that exited since the listing holds no memory.
    }
  };
  // /proc/<pid>/stat: "pid (comm) state ppid …"
  const processes = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const [, comm, rest] = readFileSync(`/proc/${pid}/stat`, "utf8").match(/^\d+ \((.*)\) (.*)$/s)!;
        return [{ pid, comm, ppid: rest.split(" ")[1] }];
      } catch {
        return [];
      }
    });
  const postmaster = processes.find((p) => p.ppid === String(serverPid) && p.comm === "postgres")?.pid;
  const postgres = processes.filter((p) => p.pid === postmaster || p.ppid === postmaster).map((p) => p.pid);
  const pss = postgres.reduce((sum, pid) => sum + kb(`/proc/${pid}/smaps_rollup`, "Pss"), 0);
  return {
    serverRssMb: Math.round(kb(`/proc/${serverPid}/status`, "VmRSS") / 1024),
    postgresPssMb: Math.round(pss / 1024),
    postgresProcesses: postgres.length,
  };
}

await main();
