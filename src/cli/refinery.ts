#!/usr/bin/env node
// The customer CLI for the long jobs: submit a JSONL file of tasks in batches,
// follow a batch or a job until it is done, download a job's export. It talks
// to the public API only, as any customer script would.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { MultiBar, Presets, type SingleBar } from "cli-progress";

const USAGE = `usage: refinery <command> [options]

  submit <tasks.jsonl> [--batch-size N]   submit one task per line (the POST /v1/tasks body), N per batch (default 1000)
  follow batch <batch_id>                 show a batch's progress until all its tasks have ended
  follow job <job_id>                     show a job's progress until it has ended
  export <job_id> [--out FILE]            download a completed job's labels (JSONL) to FILE or stdout

options: --url URL (or REFINERY_URL; default http://localhost:8081)
         --api-key KEY (or REFINERY_API_KEY)`;

class CliError extends Error {}

interface Api {
  url: string;
  apiKey: string;
}

/** fetch, with a failure to connect said in terms of the URL the user gave. */
async function request(api: Api, path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(api.url + path, { ...init, headers: { authorization: `Bearer ${api.apiKey}`, ...init.headers } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach ${api.url} (${cause?.code ?? cause?.message ?? (error as Error).message}); is the server running there? Set --url or REFINERY_URL`);
  }
}

interface ApiAnswer {
  status: number;
  headers: Headers;
  body: Record<string, any> | null;
}

async function call(api: Api, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const res = await request(api, path, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as Record<string, any> | null };
}

const refusal = (method: string, path: string, answer: ApiAnswer) =>
  new CliError(`${method} ${path}: ${answer.status} ${answer.body?.error?.code ?? ""} ${answer.body?.error?.message ?? ""}`.trim());

/**
 * A progress bar on stderr, drawn only when stderr is a terminal (a log file
 * or CI output gets the results and the summary, no redraws). Result lines go
 * to stdout, or above the bar when stdout is the same terminal.
 */
class Progress {
  private readonly bars: MultiBar | undefined;
  private bar?: SingleBar;

  constructor(unit: string) {
    const format = `{bar} {percentage}% | {value}/{total} ${unit} | {state}`;
    this.bars = process.stderr.isTTY ? new MultiBar({ format, stream: process.stderr, hideCursor: true }, Presets.shades_classic) : undefined;
  }

  start(total: number, state: string) {
    this.bar = this.bars?.create(total, 0, { state });
  }

  update(value: number, total: number, state: string) {
    this.bar?.setTotal(total);
    this.bar?.update(value, { state });
  }

  print(line: string) {
    if (this.bars && process.stdout.isTTY) this.bars.log(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  }

  /** A message for the user (stderr), above the bar when there is one. */
  say(line: string) {
    if (this.bars) this.bars.log(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  }

  stop() {
    this.bars?.stop();
  }
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `tasks[3].label_spec.options` of a batch → the file's line of task 3 and `label_spec.options`. */
function lineProblems(file: string, lineNumbers: number[], problems: { path: string; message: string }[]): string[] {
  return problems.map(({ path, message }) => {
    const match = /^tasks\[(\d+)\]\.?(.*)$/.exec(path);
    return match ? `${file}:${lineNumbers[Number(match[1])]}: ${match[2] || "task"}: ${message}` : `${file}: ${path}: ${message}`;
  });
}

/**
 * Reads the file line by line and sends `batchSize` tasks at a time; a rerun
 * of the same file replays the same batches (nothing is created twice). A
 * batch the API refuses for invalid tasks is reported line by line and the
 * rest of the file is still sent; the exit code is then 1.
 */
async function submit(api: Api, file: string, batchSize: number) {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  const progress = new Progress("tasks");
  progress.start(0, "reading");
  let batch: unknown[] = [];
  let batchLines: number[] = [];
  let lineNumber = 0;
  const totals = { sent: 0, created: 0, existing: 0, replayedBatches: 0, refusedTasks: 0, refusedBatches: 0 };
  const send = async () => {
    const body = { tasks: batch };
    // Keyed by content: sending the same tasks again answers the first batch instead of making a second.
    const key = `refinery-cli-${createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 40)}`;
    const answer = await call(api, "POST", "/v1/tasks/batch", body, { "Idempotency-Key": key });
    if (answer.status === 400 && answer.body?.error?.code === "invalid_request" && Array.isArray(answer.body.error.errors)) {
      for (const problem of lineProblems(file, batchLines, answer.body.error.errors)) progress.say(problem);
      totals.refusedTasks += batch.length;
      totals.refusedBatches++;
    } else if (answer.status !== 202) {
      throw refusal("POST", "/v1/tasks/batch", answer);
    } else {
      const accepted = answer.body!;
      const replayed = answer.headers.get("idempotent-replayed") === "true";
      const existing = replayed ? accepted.task_count : (accepted.duplicate_count ?? 0);
      totals.sent += batch.length;
      totals.created += accepted.task_count - existing;
      totals.existing += existing;
      if (replayed) totals.replayedBatches++;
      progress.print(JSON.stringify({ batch_id: accepted.batch_id, task_count: accepted.task_count, created: accepted.task_count - existing, replayed }));
    }
    progress.update(totals.sent + totals.refusedTasks, Math.max(totals.sent + totals.refusedTasks, lineNumber), `line ${lineNumber}`);
    batch = [];
    batchLines = [];
  };
  try {
    for await (const line of lines) {
      lineNumber++;
      if (!line.trim()) continue;
      try {
        batch.push(JSON.parse(line));
        batchLines.push(lineNumber);
      } catch {
        throw new CliError(`${file}:${lineNumber}: not valid JSON; nothing from line ${batchLines[0] ?? lineNumber} on was sent`);
      }
      if (batch.length >= batchSize) await send();
    }
    if (batch.length) await send();
  } finally {
    progress.stop();
  }
  const already = totals.existing ? ` (${totals.existing} already submitted${totals.replayedBatches ? `: ${count(totals.replayedBatches, "batch", "batches")} replayed` : ""})` : "";
  process.stderr.write(`${count(totals.sent, "task")} sent, ${totals.created} created${already}\n`);
  if (totals.refusedBatches) {
    throw new CliError(
      `${count(totals.refusedTasks, "task")} in ${count(totals.refusedBatches, "refused batch", "refused batches")} not created (lines above); fix them and run again: what was created is not sent twice`,
    );
  }
}

/** Runs a GraphQL subscription over SSE, calling `onData` per event until it returns true (done). */
async function subscribe(api: Api, query: string, variables: Record<string, unknown>, onData: (data: any) => boolean) {
  const res = await request(api, "/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query, variables }),
  });
  if (!res.ok || !res.body) throw new CliError(`subscription refused: ${res.status} ${await res.text()}`);
  let buffer = "";
  for await (const chunk of Readable.fromWeb(res.body as never)) {
    buffer += chunk.toString();
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = message.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5)).join("");
      if (!data) continue;
      const event = JSON.parse(data);
      if (event.errors?.length) throw new CliError(event.errors[0].message);
      if (onData(event.data)) return;
    }
  }
  throw new CliError("the server closed the stream before the end");
}

async function followBatch(api: Api, batchId: string) {
  const progress = new Progress("tasks");
  progress.start(1, "connecting");
  try {
    await subscribe(
      api,
      "subscription Follow($id: ID) { taskUpdates(batchId: $id) { batch { status taskCount counts { completed failed canceled } } } }",
      { id: batchId },
      ({ taskUpdates: { batch } }) => {
        const ended = batch.counts.completed + batch.counts.failed + batch.counts.canceled;
        progress.update(ended, batch.taskCount, `${batch.counts.completed} completed, ${batch.counts.failed} failed, ${batch.counts.canceled} canceled`);
        return batch.status === "COMPLETED";
      },
    );
  } finally {
    progress.stop();
  }
  process.stderr.write(`batch ${batchId} completed\n`);
}

async function followJob(api: Api, jobId: string) {
  const progress = new Progress("%");
  progress.start(100, "connecting");
  let last: any;
  try {
    await subscribe(
      api,
      "subscription Follow($id: ID!) { jobProgress(jobId: $id) { status progress totalLines tasksCreated invalidLines failureCode failureReason } }",
      { id: jobId },
      ({ jobProgress: job }) => {
        last = job;
        progress.update(Math.round(job.progress * 100), 100, `${job.status.toLowerCase()}, ${job.tasksCreated} tasks, ${job.invalidLines} invalid lines`);
        return ["COMPLETED", "FAILED", "CANCELED"].includes(job.status);
      },
    );
  } finally {
    progress.stop();
  }
  if (last.status !== "COMPLETED") throw new CliError(`job ${jobId} ${last.status.toLowerCase()}${last.failureCode ? `: ${last.failureCode} (${last.failureReason})` : ""}`);
  process.stderr.write(`job ${jobId} completed: ${last.tasksCreated} tasks\n`);
}

async function exportJob(api: Api, jobId: string, out: string | undefined) {
  const res = await request(api, `/v1/jobs/${encodeURIComponent(jobId)}/export`);
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    throw new CliError(`export of ${jobId}: ${res.status} ${body?.error?.code ?? ""} ${body?.error?.message ?? ""}`.trim());
  }
  // Streamed to disk: memory stays flat whatever the job's size.
  await pipeline(Readable.fromWeb(res.body as never), out ? createWriteStream(out) : process.stdout);
  if (out) process.stderr.write(`written to ${out}\n`);
}

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      "api-key": { type: "string" },
      "batch-size": { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  const apiKey = values["api-key"] ?? process.env.REFINERY_API_KEY;
  if (!apiKey) throw new CliError("give your API key with --api-key or REFINERY_API_KEY");
  const api: Api = { url: (values.url ?? process.env.REFINERY_URL ?? "http://localhost:8081").replace(/\/+$/, ""), apiKey };
  if (command === "submit" && rest.length === 1) {
    const batchSize = Number(values["batch-size"] ?? 1000);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new CliError("--batch-size must be 1 to 10000");
    return submit(api, rest[0], batchSize);
  }
  if (command === "follow" && rest[0] === "batch" && rest.length === 2) return followBatch(api, rest[1]);
  if (command === "follow" && rest[0] === "job" && rest.length === 2) return followJob(api, rest[1]);
  if (command === "export" && rest.length === 1) return exportJob(api, rest[0], values.out);
  throw new CliError(USAGE);
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`refinery: ${error instanceof CliError || error instanceof TypeError ? error.message : String(error)}\n`);
  process.exit(1);
});
