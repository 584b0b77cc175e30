// The server as `npm start` runs it: a real process, on the embedded database.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");

/** The command `npm start` runs: plain Node on the compiled build (`npm run build`, which `npm test` runs first). */
export const SERVER_COMMAND = [process.execPath, "--enable-source-maps", "dist/server.js"] as const;

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  logs: string[];
  exited: Promise<number | null>;
}

export function serverEnv(dataDir: string, extraEnv: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info", ...extraEnv };
  if (!extraEnv.DATABASE_URL) delete env.DATABASE_URL; // the embedded default, whatever the suite runs on
  if (!extraEnv.REDIS_URL) delete env.REDIS_URL;
  return env;
}

/** Spawns the server and resolves once it listens (rejects if it exits first). */
export async function startServerProcess(dataDir: string, extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
  const [command, ...args] = SERVER_COMMAND;
  const child = spawn(command, args, { cwd: root, env: serverEnv(dataDir, extraEnv), stdio: ["ignore", "pipe", "pipe"] });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start:\n${logs.join("")}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      logs.push(chunk.toString());
      const match = chunk.toString().match(/"url":"(http:\/\/[^"]+)".*ASG Refinery listening/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
    exited.then((code) => reject(new Error(`server exited with ${code}:\n${logs.join("")}`)));
  });
  return { child, url, logs, exited };
}

/** Runs a command of the project to its end: exit code and output. */
export function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}
