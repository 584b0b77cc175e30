import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { GraphQLError } from "graphql";
import { PothosValidationError } from "@pothos/core";
import { schema } from "./schema.js";
import type { GraphQLContext } from "./builder.js";
import type { Deps } from "../deps.js";
import { AppError } from "../domain/errors.js";
import { containsNul, NUL_MESSAGE } from "../domain/validation.js";
import { authenticateBearer } from "../domain/api-keys.js";

export type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

/** Reads the API key from the Authorization header (HTTP, SSE) or connectionParams (graphql-ws). */
function credentialsFrom(initial: { request?: Request; connectionParams?: Record<string, unknown> }): string | undefined {
  const params = initial.connectionParams;
  const fromParams = params?.authorization ?? params?.Authorization ?? params?.apiKey;
  if (typeof fromParams === "string") return fromParams;
  return initial.request?.headers.get("authorization") ?? undefined;
}

export function createGraphQLServer(deps: Deps): Yoga {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: { title: "ASG Refinery", subscriptionsProtocol: "WS" },
    // Unexpected errors are logged once, with their stack, by maskError below;
    // what Yoga reports itself is mostly expected errors (debug).
    logging: {
      debug: (...args) => deps.logger.debug({ args }, "yoga"),
      info: (...args) => deps.logger.debug({ args }, "yoga"),
      warn: (...args) => deps.logger.warn({ args }, "yoga"),
      error: (...args) => deps.logger.debug({ args }, "yoga"),
    },
    plugins: [
      {
        onParams: ({ params }) => {
          if (containsNul(params.query) || containsNul(params.variables)) {
            throw new GraphQLError(NUL_MESSAGE, { extensions: { code: "invalid_request", http: { status: 400 } } });
          }
        },
      },
    ],
    context: async (initial) => ({
      deps,
      actor: await authenticateBearer(deps, credentialsFrom(initial as never)),
    }),
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
        if (error instanceof GraphQLError && !error.originalError) return error;
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
