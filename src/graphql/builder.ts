// Builder configuration only: plugins, scalars, context and auth scopes.
// Types, queries, mutations and subscriptions live in one file per domain.
import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin, { type AuthFailure } from "@pothos/plugin-scope-auth";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ErrorsPlugin from "@pothos/plugin-errors";
import ComplexityPlugin from "@pothos/plugin-complexity";
import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import type PrismaTypes from "../generated/pothos-prisma-types.js";
import { getDatamodel } from "../generated/pothos-prisma-types.js";
import type { Deps } from "../deps.js";
import { CREDENTIALS_NEEDED, type Actor, type AdminActor, type AnnotatorActor, type CustomerActor, type RequestOrigin } from "../domain/shared/index.js";
import { refusal } from "../domain/accounts/index.js";

export interface GraphQLContext {
  deps: Deps;
  /** Who is calling; null when no (valid) credentials were presented. */
  actor: Actor | null;
  /** What the caller presented (Authorization header or connectionParams), to say what is wrong with it. */
  credentials?: string;
  /** The request's id and client address, for the audit log. */
  origin?: RequestOrigin;
}

type ContextOf<A extends Actor> = GraphQLContext & { actor: A };

// A Map, not an object literal: an id like "toString" must not find Object.prototype's.
const TYPENAME_BY_PREFIX = new Map([
  ["tsk", "Task"],
  ["bat", "Batch"],
]);
const UNKNOWN_TYPE = "Unknown";
function typenameOfId(id: string): string {
  return TYPENAME_BY_PREFIX.get(id.split("_")[0]) ?? UNKNOWN_TYPE;
}
/** An id of no node type resolves to null (as a missing or another customer's one does) without a lookup. */
const isNodeId = (id: { typename: string }) => id.typename !== UNKNOWN_TYPE;

/** The scope a field asked for and did not get (fields here ask for one). */
function scopeOf(failure: AuthFailure): keyof typeof CREDENTIALS_NEEDED {
  if ("scope" in failure && failure.scope in CREDENTIALS_NEEDED) return failure.scope as keyof typeof CREDENTIALS_NEEDED;
  if ("failures" in failure && failure.failures.length) return scopeOf(failure.failures[0]);
  return "customer";
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
  // A field declared `t.withAuth({ customer: true })` resolves with the customer as its actor.
  AuthContexts: { customer: ContextOf<CustomerActor>; annotator: ContextOf<AnnotatorActor>; admin: ContextOf<AdminActor> };
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
    // The same code as REST, saying which credential the field needs.
    unauthorizedError: (_parent, context, _info, result) => refusal(scopeOf(result.failure), context.credentials, context.actor),
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
      description: "Any of your objects by its id; null for an unknown id or another customer's.",
      args: { id: { description: "A public id (tsk_…, bat_…, job_…, whk_…)." } },
      resolve: (_root, { id }, _context, _info, resolveNode) => (isNodeId(id) ? resolveNode(id) : null),
    },
    nodesQueryOptions: {
      description: "Several objects by id, in order; null for each unknown id or another customer's.",
      args: { ids: { description: "Public ids." } },
      // The plugin's resolveNodes loads args.ids whatever it is handed (and an id of
      // no node type failed the whole list), so those are blanked in args first:
      // it skips a null id, which resolves to null in its place.
      resolve: (_root, args, _context, _info, resolveNodes) => {
        const ids = args.ids.map((id) => (isNodeId(id) ? id : null));
        (args as { ids: unknown }).ids = ids;
        return resolveNodes(ids.filter((id) => id !== null));
      },
    },
    cursorType: "String",
    // Descriptions of what the plugin generates: connections, edges, page info, Node.
    nodeTypeOptions: { description: "An object with a public id (tsk_…, bat_…, job_…), fetchable with node(id)." },
    idFieldOptions: { description: "The public id, the same as in REST." },
    pageInfoTypeOptions: { description: "Where a page is in the whole list." },
    defaultConnectionTypeOptions: { description: "A page of a list: its edges and where it is." },
    defaultEdgeTypeOptions: { description: "One item of a page, with its cursor." },
    edgesFieldOptions: { description: "The items of this page, in order." },
    pageInfoFieldOptions: { description: "Cursors and whether there is more." },
    nodeFieldOptions: { description: "The item." },
    cursorFieldOptions: { description: "Pass as after (or before) to continue from this item." },
    hasNextPageFieldOptions: { description: "Whether items follow this page." },
    hasPreviousPageFieldOptions: { description: "Whether items precede this page." },
    startCursorFieldOptions: { description: "The first item's cursor." },
    endCursorFieldOptions: { description: "The last item's cursor: pass it as after for the next page." },
    firstArgOptions: { description: "At most this many items after the cursor (1–100; default 25)." },
    lastArgOptions: { description: "At most this many items before the cursor (1–100)." },
    afterArgOptions: { description: "Items after this cursor (a previous page's endCursor)." },
    beforeArgOptions: { description: "Items before this cursor." },
    // Global IDs are our public IDs (tsk_…, bat_…): the same in REST and GraphQL.
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => ({ typename: typenameOfId(globalID), id: globalID }),
  },
  errors: {
    defaultTypes: [],
    defaultResultOptions: { description: "The operation succeeded: its result is in data." },
    defaultUnionOptions: { description: "The operation's result, or an AppError saying why it was refused." },
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: { complexity: 2000, depth: 12, breadth: 100 },
  },
});

builder.addScalarType("DateTime", DateTimeResolver);
builder.addScalarType("JSON", JSONResolver);

builder.queryType({ description: "Reads. Send your API key as Authorization: Bearer <api_key> (annotator and operator fields say what they need)." });
builder.mutationType({ description: "Changes. Expected refusals come back as AppError in the result union, with the same codes as REST." });
builder.subscriptionType({ description: "Live updates over graphql-ws or SSE; each starts with the current state." });
