// One server per DATA_DIR: the embedded cluster has one owner. The owner file
// also tells other processes of the same install (CLIs) where the running
// database is, so they use it instead of starting their own.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { isAlive } from "./embedded-postgres.js";

export interface DataDirOwnerInfo {
  pid: number;
  /** What holds it: "server" or a CLI's name. */
  role: string;
  /** The running embedded database, once started. */
  databaseUrl?: string;
}

class DataDirInUseError extends Error {}

const ownerFile = (dataDir: string) => path.join(dataDir, "owner.json");

/** The live owner of DATA_DIR, if any. */
export function currentOwner(dataDir: string): DataDirOwnerInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(ownerFile(dataDir), "utf8")) as DataDirOwnerInfo;
    return info.pid !== process.pid && isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export interface DataDirOwnership {
  publish(databaseUrl: string): void;
  release(): void;
}

/**
 * Takes DATA_DIR or throws DataDirInUseError naming the process that has it.
 * The file is created exclusively, so of two processes starting at once only
 * one wins; a file left by a dead process is taken over.
 */
export function takeDataDir(dataDir: string, role: string): DataDirOwnership {
  mkdirSync(dataDir, { recursive: true });
  const file = ownerFile(dataDir);
  const info: DataDirOwnerInfo = { pid: process.pid, role };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(info), { flag: "wx", mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw inUse(dataDir, file);
      const owner = currentOwner(dataDir);
      if (owner) throw inUse(dataDir, file, owner);
      rmSync(file, { force: true }); // left by a process that died
    }
  }
  return {
    publish: (databaseUrl) => writeFileSync(file, JSON.stringify({ ...info, databaseUrl }), { mode: 0o600 }),
    release: () => rmSync(file, { force: true }),
  };
}

function inUse(dataDir: string, file: string, owner?: DataDirOwnerInfo): DataDirInUseError {
  const who = owner ? `${owner.role} (pid ${owner.pid})` : `another process (see ${file})`;
  return new DataDirInUseError(`DATA_DIR ${dataDir} is in use by ${who}; stop it first or use another DATA_DIR`);
}
