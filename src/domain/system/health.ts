// Liveness: the service answers and its database does too.
import type { Deps } from "../../deps.js";

const SERVICE_NAME = "asg-gateway";
const PING_TIMEOUT_MS = 2_000;

export interface Health {
  ok: boolean;
  service: string;
}

/** ok=false when the database does not answer within a short timeout. */
export async function checkHealth(deps: Pick<Deps, "db" | "logger">): Promise<Health> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      deps.db.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("database ping timed out")), PING_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, service: SERVICE_NAME };
  } catch (error) {
    deps.logger.warn({ err: error }, "health check: database unreachable");
    return { ok: false, service: SERVICE_NAME };
  } finally {
    clearTimeout(timer);
  }
}
