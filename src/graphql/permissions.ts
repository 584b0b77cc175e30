// What each customer root field needs (accounts/roles.ts), checked in one
// place for HTTP, SSE and graphql-ws: before an operation runs, each of its
// root fields against the caller's role or key scope. Fields that are not a
// customer's (public, annotators', the operator's) are guarded by their own
// auth scopes; a test checks that every root field is in one list or the other.
import { GraphQLError, Kind, getOperationAST, type DocumentNode, type SelectionSetNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { forbidden, isAllowed, type Permission } from "../domain/accounts/index.js";
import type { GraphQLContext } from "./builder.js";

export const FIELD_PERMISSIONS: Record<string, Permission> = {
  "Query.me": "read",
  "Query.apiKeys": "read",
  "Query.members": "read",
  "Query.dashboard": "read",
  "Query.auditEvents": "read",
  "Query.webhook": "read",
  "Query.webhooks": "read",
  "Query.events": "labels.read",
  "Query.task": "labels.read",
  "Query.tasks": "labels.read",
  "Query.batch": "labels.read",
  "Query.job": "labels.read",
  "Query.jobs": "labels.read",
  "Query.node": "labels.read",
  "Query.nodes": "labels.read",
  "Query.usage": "billing.read",
  "Query.invoice": "billing.read",
  "Query.invoices": "billing.read",
  "Query.projects": "labels.read",
  "Query.project": "labels.read",
  "Query.exports": "labels.read",
  "Query.export": "labels.read",
  "Mutation.createExport": "labels.read",
  "Mutation.createProject": "tasks.write",
  "Query.workTeams": "read",
  "Query.workTeam": "read",
  "Mutation.createWorkTeam": "workforce.manage",
  "Mutation.renameWorkTeam": "workforce.manage",
  "Mutation.inviteToWorkTeam": "workforce.manage",
  "Mutation.suspendWorkTeamMember": "workforce.manage",
  "Mutation.reinstateWorkTeamMember": "workforce.manage",
  "Mutation.removeWorkTeamMember": "workforce.manage",
  "Mutation.suspendFromProject": "workforce.manage",
  "Mutation.liftProjectSuspension": "workforce.manage",
  "Mutation.updateProject": "tasks.write",
  "Mutation.submitTask": "tasks.write",
  "Mutation.submitBatch": "tasks.write",
  "Mutation.cancelTask": "tasks.write",
  "Mutation.createJob": "tasks.write",
  "Mutation.cancelJob": "tasks.write",
  "Mutation.createApiKey": "keys.manage",
  "Mutation.revokeApiKey": "keys.manage",
  "Mutation.createWebhook": "webhooks.manage",
  "Mutation.deleteWebhook": "webhooks.manage",
  "Mutation.rotateWebhookSecret": "webhooks.manage",
  "Mutation.redeliver": "webhooks.manage",
  "Mutation.inviteMember": "members.manage",
  "Mutation.changeMemberRole": "members.manage",
  "Mutation.removeMember": "members.manage",
  "Subscription.taskStatusChanged": "labels.read",
  "Subscription.taskUpdates": "labels.read",
  "Subscription.jobProgress": "labels.read",
  "Subscription.events": "labels.read",
};

/** Root fields that are not a customer's: their own auth scopes guard them. */
export const NOT_CUSTOMER_FIELDS = [
  "Query.health",
  "Query.currentAnnotator",
  "Query.annotators",
  "Mutation.registerCustomer",
  "Mutation.setCustomerTier",
  "Mutation.createAnnotator",
  "Mutation.nextAssignment",
  "Mutation.submitJudgment",
  "Mutation.reportProblem",
  "Mutation.releaseAssignment",
  "Mutation.joinWorkTeam",
];

const ROOT_TYPE = { query: "Query", mutation: "Mutation", subscription: "Subscription" } as const;

/** The root fields an operation selects, fragments followed. */
function rootFields(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value.startsWith("__") ? [] : [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootFields(document, selection.selectionSet, seen);
    if (seen.has(selection.name.value)) return [];
    seen.add(selection.name.value);
    const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
    return fragment?.kind === Kind.FRAGMENT_DEFINITION ? rootFields(document, fragment.selectionSet, seen) : [];
  });
}

function refusalFor(args: { document: DocumentNode; operationName?: string | null; contextValue: GraphQLContext }): GraphQLError | undefined {
  const actor = args.contextValue.actor;
  if (actor?.kind !== "customer") return undefined;
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return undefined;
  for (const field of rootFields(args.document, operation.selectionSet)) {
    const permission = FIELD_PERMISSIONS[`${ROOT_TYPE[operation.operation]}.${field}`];
    if (permission && !isAllowed(actor, permission)) {
      const error = forbidden(actor, permission);
      return new GraphQLError(error.message, { path: [field], extensions: { code: error.code, ...error.details, http: { status: 403 } } });
    }
  }
  return undefined;
}

export function enforcePermissions(): Plugin<GraphQLContext> {
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const refused = refusalFor(args as never);
      if (refused) setResultAndStopExecution({ errors: [refused] });
    },
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      const refused = refusalFor(args as never);
      if (refused) setResultAndStopExecution({ errors: [refused] });
    },
  };
}
