// One running service per test file: real database, real HTTP on port 0.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { print, type DocumentNode } from "graphql";
import { loadConfig, type Config } from "../../src/config.js";
import { createRuntime } from "../../src/bootstrap.js";
import { startServer, type RunningServer } from "../../src/server.js";
import { createLogger } from "../../src/logger.js";
import type { Deps } from "../../src/deps.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";

export interface TestService {
  url: string;
  deps: Deps;
  config: Config;
  server: RunningServer;
  rest: RestClient;
  graphql: GraphQLClient;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  env?: Record<string, string>;
}

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const database: TestDatabase = await createTestDatabase();
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: mkdtempSync(path.join(tmpdir(), "refinery-test-")),
    SERVER_SECRET: "test-server-secret-0123456789abcdef0123456789",
    REDIS_URL: process.env.REDIS_URL ?? "",
    LOG_LEVEL: (process.env.TEST_LOG_LEVEL as string) ?? "silent",
    ALLOW_PRIVATE_WEBHOOK_TARGETS: "true",
    // API only unless a test asks for the background workers (ROLE all): tasks stay where the test puts them.
    ROLE: "api",
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    // Tests fire requests far faster than a customer may; the rate-limit test sets its own.
    RATE_LIMIT_SANDBOX: "100000/s",
    RATE_LIMIT_LIVE: "100000/s",
    RATE_LIMIT_REGISTRATION: "100000/s",
    // Redis outlives a test run: each service counts in a namespace of its own.
    REDIS_KEY_PREFIX: `test-${randomBytes(6).toString("hex")}:`,
    ...options.env,
  });
  const runtime = await createRuntime(config, { db: database.db, logger: createLogger(config.logLevel) });
  const server = await startServer(config, runtime);
  return {
    url: server.url,
    deps: runtime.deps,
    config,
    server,
    rest: restClient(server.url),
    graphql: graphqlClient(server.url),
    close: async () => {
      await server.stop();
      await database.drop();
    },
  };
}

export interface RestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  apiKey?: string;
  headers?: Record<string, string>;
}

export type RestClient = ReturnType<typeof restClient>;

export function restClient(baseUrl: string) {
  async function request<T = any>(method: string, pathname: string, body?: unknown, options: RequestOptions = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(baseUrl + pathname, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text } satisfies RestResponse<T>;
  }
  return {
    request,
    get: <T = any>(p: string, o?: RequestOptions) => request<T>("GET", p, undefined, o),
    post: <T = any>(p: string, body?: unknown, o?: RequestOptions) => request<T>("POST", p, body, o),
    delete: <T = any>(p: string, o?: RequestOptions) => request<T>("DELETE", p, undefined, o),
  };
}

export interface GraphQLResult<T = any> {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
}

export type GraphQLClient = ReturnType<typeof graphqlClient>;

export function graphqlClient(baseUrl: string) {
  return async <T = any>(query: unknown, variables?: Record<string, unknown>, options: RequestOptions = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    const response = await fetch(`${baseUrl}/graphql`, {
      method: "POST",
      headers,
      body: JSON.stringify({ query: typeof query === "string" ? query : printDocument(query), variables }),
    });
    return (await response.json()) as GraphQLResult<T>;
  };
}

function printDocument(document: unknown): string {
  return print(document as DocumentNode);
}
