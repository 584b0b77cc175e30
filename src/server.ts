// Entry point: config → runtime → HTTP + WebSocket → graceful shutdown.
import { createServer, type Server } from "node:http";
import { setFlagsFromString } from "node:v8";
import { loadConfig, ConfigError, type Config } from "./config.js";
import { createLogger } from "./logger.js";
import { createRuntime, type Runtime } from "./bootstrap.js";
import { buildApp, buildWorkerApp, type App } from "./http/app.js";
import { attachGraphQLWebSocket, type GraphQLWebSocketServer } from "./graphql/ws.js";

/** How long requests in flight may take to finish after SIGTERM before their connections are cut. */
const HTTP_DRAIN_MS = 5_000;
/** Past this, shutdown gives up waiting and exits (orchestrators kill at 10 s or later). */
const SHUTDOWN_LIMIT_MS = 9_500;

export interface RunningServer {
  server: Server;
  runtime: Runtime;
  url: string;
  stop(): Promise<void>;
}

/** Starts everything on config.port (0 = any free port, as tests use). */
export async function startServer(config: Config, runtime?: Runtime): Promise<RunningServer> {
  const rt = runtime ?? (await createRuntime(config));
  const app: { callback: App["callback"]; yoga?: App["yoga"] } = config.role === "worker" ? buildWorkerApp(rt.deps) : buildApp(rt.deps);
  // Slow or stalled clients (slowloris, a body shorter than its Content-Length)
  // get a 408 instead of holding a connection: headers within 10 s, the whole
  // request within 30 s by default. Responses may stream longer (SSE, exports):
  // these bound only what the client sends. Checked every second, not every 30 s.
  const server = createServer(
    {
      connectionsCheckingInterval: 1_000,
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: 5_000,
    },
    app.callback,
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Attached once listening: the WebSocket server would otherwise report a listen error of its own.
  const ws: GraphQLWebSocketServer | undefined =
    app.yoga
      ? attachGraphQLWebSocket(server, app.yoga, { maxPayloadBytes: config.wsMaxPayloadBytes, maxSubscriptions: config.wsMaxSubscriptions })
      : undefined;
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://127.0.0.1:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Stop accepting; requests already received are answered; idle keep-alive
      // sockets close. Background loops stop meanwhile.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const workersStopped = rt.stopWorkers();
      await ws?.close();
      // Streams (SSE subscriptions, exports) do not end by themselves: cut them after a grace period.
      const grace = setTimeout(() => server.closeAllConnections(), HTTP_DRAIN_MS);
      await closed;
      clearTimeout(grace);
      await workersStopped;
      await rt.close();
    })());
  return { server, runtime: rt, url, stop };
}

/**
 * V8 lets the old generation grow to up to 4× its live size between full
 * collections. A batch job's chunks in flight outlive young collections and
 * are promoted, so RSS swelled by 40–160 MB of garbage per 100,000 lines.
 * Growing by at most 2× kept it within 10 MB once warm, for a few more full
 * collections (incremental and mostly concurrent; ~10 ms of pause for this
 * heap), with no change beyond noise in the request rates. V8 reads the flag
 * at every collection, so setting it at start-up is enough.
 */
const HEAP_GROWING_PERCENT = 100;

async function main() {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const runtime = await createRuntime(config, { logger });
  let running: RunningServer;
  try {
    running = await startServer(config, runtime);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  // Handlers first: whoever sees the log below may signal at once.
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down");
    const forced = setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s; exiting`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    forced.unref();
    running.stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  logger.info(
    { url: running.url.replace("127.0.0.1", config.host), role: config.role, database: runtime.deps.db.kind, redis: Boolean(config.redisUrl) },
    "ASG Refinery listening",
  );
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((error) => {
    console.error(`failed to start: ${startFailure(error)}`);
    process.exit(1);
  });
}

function startFailure(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === "EADDRINUSE") return `port ${e.port} on ${e.address} is already in use (set PORT to another port)`;
  if (e?.code === "EACCES" && e.syscall === "listen") return `no permission to listen on port ${e.port}`;
  return error instanceof Error ? error.message.split("\n")[0] : String(error);
}
