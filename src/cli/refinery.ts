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
import { SingleBar, Presets } from "cli-progress";

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

async function call(api: Api, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(api.url + path, {
    method,
    headers: { authorization: `Bearer ${api.apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = (await res.json().catch(() => null)) as Record<string, any> | null;
  if (!res.ok) throw new CliError(`${method} ${path}: ${res.status} ${parsed?.error?.code ?? ""} ${parsed?.error?.message ?? ""}`.trim());
  return parsed!;
}

function progressBar(unit: string) {
  return new SingleBar({ format: `{bar} {percentage}% | {value}/{total} ${unit} | {state}`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
}

/** Reads the file line by line and sends `batchSize` tasks at a time; a rerun of the same file replays the same batches. */
async function submit(api: Api, file: string, batchSize: number) {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  const bar = progressBar("tasks");
  bar.start(0, 0, { state: "reading" });
  let batch: unknown[] = [];
  let lineNumber = 0;
  let submitted = 0;
  const send = async () => {
    const body = { tasks: batch };
    // Keyed by content: sending the same tasks again answers the first batch instead of making a second.
    const key = `refinery-cli-${createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 40)}`;
    const accepted = await call(api, "POST", "/v1/tasks/batch", body, { "Idempotency-Key": key });
    submitted += batch.length;
    bar.setTotal(Math.max(submitted, lineNumber));
    bar.update(submitted, { state: accepted.batch_id });
    process.stdout.write(`${JSON.stringify({ batch_id: accepted.batch_id, task_count: accepted.task_count })}\n`);
    batch = [];
  };
  try {
    for await (const line of lines) {
      lineNumber++;
      if (!line.trim()) continue;
      try {
        batch.push(JSON.parse(line));
      } catch {
        throw new CliError(`${file}:${lineNumber}: not valid JSON; nothing after line ${lineNumber - batch.length - 1} was sent`);
      }
      if (batch.length >= batchSize) await send();
    }
    if (batch.length) await send();
  } finally {
    bar.stop();
  }
  process.stderr.write(`${submitted} tasks submitted\n`);
}

/** Runs a GraphQL subscription over SSE, calling `onData` per event until it returns true (done). */
async function subscribe(api: Api, query: string, variables: Record<string, unknown>, onData: (data: any) => boolean) {
  const res = await fetch(`${api.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${api.apiKey}` },
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
  const bar = progressBar("tasks");
  bar.start(1, 0, { state: "connecting" });
  try {
    await subscribe(
      api,
      "subscription Follow($id: ID) { taskUpdates(batchId: $id) { batch { status taskCount counts { completed failed canceled } } } }",
      { id: batchId },
      ({ taskUpdates: { batch } }) => {
        const ended = batch.counts.completed + batch.counts.failed + batch.counts.canceled;
        bar.setTotal(batch.taskCount);
        bar.update(ended, { state: `${batch.counts.completed} completed, ${batch.counts.failed} failed, ${batch.counts.canceled} canceled` });
        return batch.status === "COMPLETED";
      },
    );
  } finally {
    bar.stop();
  }
  process.stderr.write(`batch ${batchId} completed\n`);
}

async function followJob(api: Api, jobId: string) {
  const bar = progressBar("%");
  bar.start(100, 0, { state: "connecting" });
  let last: any;
  try {
    await subscribe(
      api,
      "subscription Follow($id: ID!) { jobProgress(jobId: $id) { status progress totalLines tasksCreated invalidLines failureCode failureReason } }",
      { id: jobId },
      ({ jobProgress: job }) => {
        last = job;
        bar.update(Math.round(job.progress * 100), { state: `${job.status.toLowerCase()}, ${job.tasksCreated} tasks, ${job.invalidLines} invalid lines` });
        return ["COMPLETED", "FAILED", "CANCELED"].includes(job.status);
      },
    );
  } finally {
    bar.stop();
  }
  if (last.status !== "COMPLETED") throw new CliError(`job ${jobId} ${last.status.toLowerCase()}${last.failureCode ? `: ${last.failureCode} (${last.failureReason})` : ""}`);
  process.stderr.write(`job ${jobId} completed: ${last.tasksCreated} tasks\n`);
}

async function exportJob(api: Api, jobId: string, out: string | undefined) {
  const res = await fetch(`${api.url}/v1/jobs/${encodeURIComponent(jobId)}/export`, { headers: { authorization: `Bearer ${api.apiKey}` } });
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
