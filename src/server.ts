// Entry point: config → runtime → HTTP + WebSocket → graceful shutdown.
import { createServer, type Server } from "node:http";
import { loadConfig, ConfigError, type Config } from "./config.js";
import { createLogger } from "./logger.js";
import { createRuntime, type Runtime } from "./bootstrap.js";
import { buildApp } from "./http/app.js";
import { attachGraphQLWebSocket, type GraphQLWebSocketServer } from "./graphql/ws.js";

export interface RunningServer {
  server: Server;
  runtime: Runtime;
  url: string;
  stop(): Promise<void>;
}

/** Starts everything on config.port (0 = any free port, as tests use). */
export async function startServer(config: Config, runtime?: Runtime): Promise<RunningServer> {
  const rt = runtime ?? (await createRuntime(config));
  const app = buildApp(rt.deps);
  const server = createServer(app.callback);
  // Node's default of 5 s would cut long-poll and streaming clients short; bound headers instead.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  const ws: GraphQLWebSocketServer = attachGraphQLWebSocket(server, app.yoga);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://127.0.0.1:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Stop accepting; in-flight requests finish; idle keep-alive sockets close.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await ws.close();
      await closed;
      await rt.close();
    })());
  return { server, runtime: rt, url, stop };
}

async function main() {
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
  const running = await startServer(config, runtime);
  logger.info(
    { url: running.url.replace("127.0.0.1", config.host), database: runtime.deps.db.kind, redis: Boolean(config.redisUrl) },
    "ASG Refinery listening",
  );
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down");
    const forced = setTimeout(() => {
      logger.error("shutdown took longer than 25 s; exiting");
      process.exit(1);
    }, 25_000);
    forced.unref();
    running.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((error) => {
    console.error(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
