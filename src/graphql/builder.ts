// Builder configuration only: plugins, scalars, context and auth scopes.
// Types, queries, mutations and subscriptions live in one file per domain.
import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ErrorsPlugin from "@pothos/plugin-errors";
import ComplexityPlugin from "@pothos/plugin-complexity";
import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import type PrismaTypes from "../generated/pothos-prisma-types.js";
import { getDatamodel } from "../generated/pothos-prisma-types.js";
import type { Deps } from "../deps.js";
import type { Actor } from "../domain/actors.js";
import { UnauthorizedError } from "../domain/errors.js";

export interface GraphQLContext {
  deps: Deps;
  /** Who is calling; null when no (valid) credentials were presented. */
  actor: Actor | null;
}

// A Map, not an object literal: an id like "toString" must not find Object.prototype's.
const TYPENAME_BY_PREFIX = new Map([
  ["tsk", "Task"],
  ["bat", "Batch"],
]);
function typenameOfId(id: string): string {
  return TYPENAME_BY_PREFIX.get(id.split("_")[0]) ?? "Unknown";
}

/** Prisma's "record not found" (P2025) and unknown types become null. */
async function nullWhenMissing<T>(lookup: T | Promise<T>): Promise<T | null> {
  try {
    return (await lookup) ?? null;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "P2025" || /not found|unknown|no type/i.test((error as Error).message)) return null;
    throw error;
  }
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  AuthScopes: { customer: boolean; annotator: boolean; admin: boolean };
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      customer: context.actor?.kind === "customer",
      annotator: context.actor?.kind === "annotator",
      admin: context.actor?.kind === "admin",
    }),
    // Unauthenticated callers get the same code as REST.
    unauthorizedError: () => new UnauthorizedError("send your API key as 'Authorization: Bearer <api_key>' (or in connectionParams for WebSocket)"),
  },
  prisma: {
    client: (context) => context.deps.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: "omit",
    // Another customer's (or an unknown) id resolves to null, exactly like a missing one.
    nodeQueryOptions: {
      resolve: (_root, { id }, _context, _info, resolveNode) => nullWhenMissing(resolveNode(id)),
    },
    nodesQueryOptions: {
      resolve: (_root, { ids }, _context, _info, resolveNodes) =>
        ids.map((id) => nullWhenMissing(resolveNodes([id]).then((nodes) => nodes[0]))),
    },
    cursorType: "String",
    // Global IDs are our public IDs (tsk_…, bat_…): the same in REST and GraphQL.
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => ({ typename: typenameOfId(globalID), id: globalID }),
  },
  errors: { defaultTypes: [] },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: { complexity: 2000, depth: 12, breadth: 100 },
  },
});

builder.addScalarType("DateTime", DateTimeResolver);
builder.addScalarType("JSON", JSONResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
