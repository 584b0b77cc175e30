import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { getOperationAST, GraphQLError, Kind, type DocumentNode, type GraphQLSchema } from "graphql";
import type { IncomingMessage } from "node:http";
import type { Context as KoaContext } from "koa";
import { complexityFromQuery } from "@pothos/plugin-complexity";
import { rateLimitHeaders, RateLimitedError } from "../http/rate-limits.js";
import { PothosValidationError } from "@pothos/core";
import { schema } from "./schema.js";
import { endStreamsOfRevokedCredentials } from "./subscription-credentials.js";
import type { GraphQLContext } from "./builder.js";
import type { Deps } from "../deps.js";
import { authenticateBearer, sessionCookieOf } from "../domain/accounts/index.js";
import { AppError, fromOrigin, unstorableInput } from "../domain/shared/index.js";
import { enforcePermissions } from "./permissions.js";

export type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** Reads the API key from the Authorization header (HTTP, SSE) or connectionParams (graphql-ws). */
function credentialsFrom(initial: { request?: Request; connectionParams?: Record<string, unknown> }): string | undefined {
  const params = initial.connectionParams;
  const fromParams = params?.authorization ?? params?.Authorization ?? params?.apiKey;
  if (typeof fromParams === "string") return fromParams;
  // Over HTTP, the console's session cookie when no header is sent.
  return initial.request?.headers.get("authorization") ?? sessionCookieOf(initial.request?.headers.get("cookie")) ?? undefined;
}

/** A larger document is never a real client's; refused before it is parsed. */
const MAX_DOCUMENT_BYTES = 100_000;

/** Checks a request's document and variables before parsing (HTTP here, graphql-ws in ws.ts). */
export function unusableParams(params: { query?: unknown; variables?: unknown }): GraphQLError | undefined {
  if (typeof params.query === "string" && params.query.length > MAX_DOCUMENT_BYTES) {
    return new GraphQLError(`the GraphQL document is larger than ${MAX_DOCUMENT_BYTES} characters`, {
      extensions: { code: "query_too_complex", http: { status: 400 } },
    });
  }
  const problem = unstorableInput([params.query, params.variables]);
  if (problem) return new GraphQLError(problem, { extensions: { code: "invalid_request", http: { status: 400 } } });
  return undefined;
}

const refuseUnusableParams: Plugin = {
  onParams: ({ params }) => {
    const error = unusableParams(params);
    if (error) throw error;
  },
};

/**
 * graphql-armor: tokens, depth, aliases (introspection included), directives
 * and cost, checked on parse/validate for HTTP and graphql-ws alike; a refusal
 * carries our stable code. Introspection itself stays on for GraphiQL.
 */
function abuseLimits(): Plugin {
  const tooComplex = [(_context: unknown, error: GraphQLError) => void Object.assign(error.extensions, { code: "query_too_complex" })];
  return EnvelopArmorPlugin({
    maxTokens: { n: 5_000, onReject: tooComplex },
    maxDepth: { n: 12, onReject: tooComplex },
    maxAliases: { n: 30, onReject: tooComplex },
    maxDirectives: { n: 50, onReject: tooComplex },
    costLimit: { maxCost: 20_000, onReject: tooComplex },
    // Field suggestions stay: they help people exploring in GraphiQL, and the schema is public.
    blockFieldSuggestion: { enabled: false },
  }) as Plugin;
}

/** A GraphQL operation costs its complexity (as the schema's limit counts it) in steps of this many. */
const COMPLEXITY_PER_POINT = 50;

/**
 * Charges customers' operations (HTTP and graphql-ws) to their rate limit by
 * query cost, and registrations to the client's address; over HTTP the
 * RateLimit headers go on the response.
 */
const chargeRateLimit: Plugin<ChargedContext> = {
  onExecute: async ({ args, setResultAndStopExecution }) => {
    const refused = await charge(args);
    if (refused) setResultAndStopExecution({ errors: [refused] });
  },
  onSubscribe: async ({ args, setResultAndStopExecution }) => {
    const refused = await charge(args);
    if (refused) setResultAndStopExecution({ errors: [refused] });
  },
};

function costInPoints(args: Parameters<typeof charge>[0]): number {
  try {
    const { complexity } = complexityFromQuery(args.document, { schema: args.schema, variables: args.variableValues ?? {}, ctx: args.contextValue });
    return Math.max(1, Math.ceil(complexity / COMPLEXITY_PER_POINT));
  } catch {
    return 1; // Variables that do not fit the operation: execution reports that, at the minimum charge.
  }
}

/** Whether the operation registers a customer (limited per client address, like REST). */
function registersCustomer(document: DocumentNode): boolean {
  return document.definitions.some(
    (definition) =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      definition.operation === "mutation" &&
      definition.selectionSet.selections.some((selection) => selection.kind === Kind.FIELD && selection.name.value === "registerCustomer"),
  );
}

type ChargedContext = GraphQLContext & { koa?: KoaContext; req?: IncomingMessage };

async function charge(args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  variableValues?: Record<string, unknown> | null;
  contextValue: ChargedContext;
}): Promise<GraphQLError | undefined> {
  const { actor, deps, koa, req } = args.contextValue;
  const address = koa?.ip ?? req?.socket.remoteAddress ?? "unknown";
  const decision = registersCustomer(args.document)
    ? await deps.rateLimits.charge("registration", address, 1)
    : actor?.kind === "customer"
      ? await deps.rateLimits.charge(actor.environment, actor.customerId, costInPoints(args))
      : undefined;
  if (!decision) return undefined;
  const headers = rateLimitHeaders(decision);
  koa?.set(headers);
  if (decision.allowed) return undefined;
  const error = new RateLimitedError(decision);
  return new GraphQLError(error.message, { extensions: { code: error.code, ...error.details, http: { status: 429 } } });
}

const GRAPHIQL_DEFAULT_QUERY = `# Welcome to ASG Refinery's GraphQL API.
#
# Put your API key in the Headers tab below, as
#   { "Authorization": "Bearer sk_sandbox_YOUR_KEY" }
# (register with the registerCustomer mutation, or POST /v1/customers, to get one).
# The same header works for queries, mutations and subscriptions; the Docs
# pane (the book icon) works without it.

query Me {
  me {
    id
    name
    tier
    labelQuota
    labelsUsed
  }
}
`;

/**
 * Times queries and mutations for the metrics, labelled by the root field
 * (bounded by the schema, unlike client-chosen operation names), and names
 * the operation in the request's log line.
 */
function operationMetrics(deps: Deps): Plugin<ChargedContext> {
  return {
    onExecute: ({ args }) => {
      const operation = getOperationAST(args.document, args.operationName);
      const type = operation?.operation ?? "unknown";
      const firstField = operation?.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD);
      const field = firstField?.kind === Kind.FIELD ? firstField.name.value : "none";
      const koa = args.contextValue.koa;
      if (koa) koa.state.graphqlOperation = `${type} ${operation?.name?.value ?? field}`;
      const started = process.hrtime.bigint();
      return {
        onExecuteDone: ({ result }) => {
          if (Symbol.asyncIterator in result) return;
          const outcome = result.errors?.length ? "error" : "ok";
          deps.metrics.graphqlOperation(type, field, outcome, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}

/**
 * The GraphiQL page, rendered once on first request: its inlined assets weigh
 * some 50 MB of memory, which a server nobody browses need not carry.
 */
let graphiqlPage: Promise<string> | undefined;
function renderOfflineGraphiQL(options: Parameters<typeof import("@graphql-yoga/render-graphiql").renderGraphiQL>[0]): Promise<string> {
  graphiqlPage ??= import("@graphql-yoga/render-graphiql").then(({ renderGraphiQL }) => renderGraphiQL(options));
  return graphiqlPage;
}

/**
 * An error graphql-js (or a plugin) made about the request itself: its syntax,
 * validity, or a variable missing or of the wrong type. Such an error wraps
 * only GraphQLErrors (a variable's wraps its scalar's refusal), never an
 * exception of ours.
 */
function isAboutTheRequest(error: unknown): error is GraphQLError {
  if (!(error instanceof GraphQLError)) return false;
  return error.originalError === undefined || error.originalError === null || isAboutTheRequest(error.originalError);
}

export function createGraphQLServer(deps: Deps): Yoga {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: "/graphql",
    // The HTTP route (src/http/graphql-route.ts) reads the body within BODY_LIMIT before Yoga sees it.
    maxRequestBodySize: false,
    landingPage: false,
    // GraphiQL's assets are inlined from node_modules (no CDN: it works offline).
    // Subscriptions go over SSE, which carries the Headers tab's Authorization.
    renderGraphiQL: renderOfflineGraphiQL,
    graphiql: {
      title: "ASG Refinery GraphiQL",
      subscriptionsProtocol: "SSE",
      defaultQuery: GRAPHIQL_DEFAULT_QUERY,
      // No prefilled key: a placeholder would be refused (401, or by fetch if not
      // ASCII) and the first load would show an error instead of the Docs pane.
      shouldPersistHeaders: false,
    },
    // Unexpected errors are logged once, with their stack, by maskError below;
    // what Yoga reports itself is mostly expected errors (debug).
    logging: {
      debug: (...args) => deps.logger.debug({ args }, "yoga"),
      info: (...args) => deps.logger.debug({ args }, "yoga"),
      warn: (...args) => deps.logger.warn({ args }, "yoga"),
      error: (...args) => deps.logger.debug({ args }, "yoga"),
    },
    plugins: [refuseUnusableParams, abuseLimits(), chargeRateLimit, enforcePermissions(), operationMetrics(deps), endStreamsOfRevokedCredentials],
    context: async (initial) => {
      const credentials = credentialsFrom(initial as never);
      const { koa, req } = initial as { koa?: KoaContext; req?: IncomingMessage };
      const origin = { requestId: koa?.state.requestId, clientAddress: koa?.ip ?? req?.socket.remoteAddress };
      return { deps, credentials, origin, actor: fromOrigin(await authenticateBearer(deps, credentials), origin) };
    },
    maskedErrors: {
      // Expected errors keep their code and message; everything else is masked.
      maskError: (error) => {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof AppError) {
          return new GraphQLError(original.message, {
            nodes: (error as GraphQLError).nodes,
            path: (error as GraphQLError).path,
            extensions: { code: original.code, ...original.details },
          });
        }
        if (original instanceof PothosValidationError) {
          // Client mistakes caught by Pothos: bad cursors, or depth/cost limits.
          const tooComplex = /exceeds maximum/.test(original.message);
          return new GraphQLError(original.message, {
            nodes: (error as GraphQLError).nodes,
            path: (error as GraphQLError).path,
            extensions: { code: tooComplex ? "query_too_complex" : "invalid_request" },
          });
        }
        if (isAboutTheRequest(error)) {
          if (error.extensions.code !== undefined) return error;
          return new GraphQLError(error.message, { nodes: error.nodes, path: error.path, extensions: { ...error.extensions, code: "invalid_request" } });
        }
        deps.logger.error({ err: original }, "unexpected GraphQL error");
        return new GraphQLError("Unexpected error.", {
          nodes: (error as GraphQLError).nodes,
          path: (error as GraphQLError).path,
          extensions: { code: "internal_error" },
        });
      },
    },
  });
}
