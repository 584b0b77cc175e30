import {
  createApiKey,
  getProfile,
  listApiKeys,
  registerCustomer,
  revokeApiKey,
  setCustomerTier,
  type CreatedApiKey,
  type Profile,
  type Registration,
  type TierChange,
} from "../domain/accounts/index.js";
import { TIERS } from "../domain/shared/index.js";
import type { ApiKey } from "../generated/prisma/client.js";
import { builder } from "./builder.js";
import { RESULT_OR_APP_ERROR } from "./errors.js";

const tierValues = (what: string) =>
  ({
    SANDBOX: { value: "sandbox", description: `${what}: the simulated crowd labels its tasks, within the sandbox quota.` },
    LIVE: { value: "live", description: `${what}: human annotators label its tasks, within the live quota.` },
  }) as const satisfies Record<Uppercase<(typeof TIERS)[number]>, { value: (typeof TIERS)[number]; description: string }>;

export const CustomerTier = builder.enumType("CustomerTier", {
  description: "A customer's tier: live customers may hold live keys.",
  values: tierValues("A live customer may hold live keys; every customer has sandbox keys"),
});

export const KeyEnvironment = builder.enumType("KeyEnvironment", {
  description: "Where an API key's tasks go: each environment has its own quota.",
  values: tierValues("A key of this environment"),
});

const Customer = builder.objectRef<Profile>("Customer").implement({
  description: "Your account, as seen with the key you called with.",
  fields: (t) => ({
    id: t.exposeID("customerId", { description: "Customer id (cust_…)." }),
    name: t.exposeString("name", { description: "The name given at registration." }),
    email: t.exposeString("email", { description: "The email given at registration (lower case)." }),
    tier: t.expose("tier", { type: CustomerTier, description: "SANDBOX until an operator makes the account LIVE." }),
    environment: t.expose("environment", { type: KeyEnvironment, description: "The environment of the key this call came with." }),
    labelQuota: t.exposeInt("labelQuota", { description: "Labels this environment may use." }),
    labelsUsed: t.exposeInt("labelsUsed", { description: "Labels charged in this environment (refunded when a task fails or is canceled)." }),
    labelsRemaining: t.exposeInt("labelsRemaining", { description: "labelQuota − labelsUsed, never below 0." }),
    apiKeyPrefix: t.exposeString("apiKeyPrefix", { nullable: true, description: "Prefix of your newest active key of this environment." }),
    callbackSecret: t.exposeString("callbackSecret", { description: "Verifies deliveries to your tasks' callback_url (Standard Webhooks)." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the account was registered." }),
  }),
});

const RegistrationRef = builder.objectRef<Registration>("Registration").implement({
  description: "A new account and its first (sandbox) API key.",
  fields: (t) => ({
    customerId: t.exposeID("customerId", { description: "Customer id (cust_…)." }),
    apiKey: t.exposeString("apiKey", { description: "Shown once: store it securely." }),
    tier: t.expose("tier", { type: CustomerTier, description: "Always SANDBOX for a new account." }),
    labelQuota: t.exposeInt("labelQuota", { description: "The sandbox quota." }),
    message: t.exposeString("message", { description: "A reminder that the key is shown once." }),
  }),
});

const RegisterCustomerInput = builder.inputType("RegisterCustomerInput", {
  description: "Who is registering.",
  fields: (t) => ({
    name: t.string({ required: true, description: "Up to 200 characters." }),
    email: t.string({ required: true, description: "One account per email address." }),
  }),
});

builder.mutationField("registerCustomer", (t) =>
  t.field({
    type: RegistrationRef,
    description: "Registers a customer (sandbox tier) and returns its API key, shown this once. No credential needed.",
    errors: RESULT_OR_APP_ERROR,
    args: { input: t.arg({ type: RegisterCustomerInput, required: true, description: "Name and email." }) },
    resolve: (_root, { input }, { deps, origin }) => registerCustomer(deps, input, origin),
  }),
);

builder.queryField("me", (t) =>
  t.withAuth({ customer: true }).field({
    type: Customer,
    description: "Your account.",
    resolve: (_root, _args, context) => getProfile(context.deps, context.actor),
  }),
);

const ApiKeyRef = builder.objectRef<ApiKey>("ApiKey").implement({
  description: "One of your API keys (never the key itself: it is shown only when created).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Key id (key_…), to revoke it." }),
    prefix: t.exposeString("prefix", { description: "The key's first characters, to recognise it." }),
    environment: t.field({ type: KeyEnvironment, description: "Where its tasks go.", resolve: (key) => key.environment as "sandbox" | "live" }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    lastUsedAt: t.expose("lastUsedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it last authenticated a request (precise to about 30 s); null if never.",
    }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true, description: "When it was revoked; null while it works." }),
  }),
});

const CreatedApiKeyRef = builder.objectRef<CreatedApiKey>("CreatedApiKey").implement({
  description: "A new API key, shown this once.",
  fields: (t) => ({
    apiKey: t.exposeString("apiKey", { description: "The key: store it securely, it cannot be retrieved again." }),
    key: t.field({ type: ApiKeyRef, description: "The key's record, as apiKeys lists it.", resolve: (created) => created.key }),
    message: t.exposeString("message", { description: "A reminder that the key is shown once." }),
  }),
});

builder.queryField("apiKeys", (t) =>
  t.withAuth({ customer: true }).field({
    type: [ApiKeyRef],
    description: "All your API keys, revoked ones too, newest first.",
    resolve: (_root, _args, context) => listApiKeys(context.deps, context.actor),
  }),
);

builder.mutationField("createApiKey", (t) =>
  t.withAuth({ customer: true }).field({
    type: CreatedApiKeyRef,
    description: "Creates a key (to rotate one: create, deploy, then revoke the old one). LIVE needs a live account.",
    errors: RESULT_OR_APP_ERROR,
    args: { environment: t.arg({ type: KeyEnvironment, description: "Defaults to the environment of the key you call with." }) },
    resolve: (_root, args, context) => createApiKey(context.deps, context.actor, { environment: args.environment ?? undefined }),
  }),
);

builder.mutationField("revokeApiKey", (t) =>
  t.withAuth({ customer: true }).field({
    type: ApiKeyRef,
    description: "Revokes a key: it stops working at once. Your last active key cannot be revoked.",
    errors: RESULT_OR_APP_ERROR,
    args: { id: t.arg.id({ required: true, description: "The key's id (key_…)." }) },
    resolve: (_root, args, context) => revokeApiKey(context.deps, context.actor, String(args.id)),
  }),
);

const TierChangeRef = builder.objectRef<TierChange>("TierChange").implement({
  description: "The outcome of setCustomerTier.",
  fields: (t) => ({
    customerId: t.exposeID("customerId", { description: "The customer changed." }),
    tier: t.expose("tier", { type: CustomerTier, description: "Its tier now." }),
    labelQuota: t.exposeInt("labelQuota", { description: "The quota set for that tier." }),
    liveApiKey: t.exposeString("liveApiKey", {
      nullable: true,
      description: "The customer's first live key, issued by this change and shown this once (hand it over securely); null otherwise.",
    }),
  }),
});

builder.mutationField("setCustomerTier", (t) =>
  t.withAuth({ admin: true }).field({
    type: TierChangeRef,
    description:
      "Operators only. LIVE issues the customer's first live key (its tasks go to people); SANDBOX revokes its live keys. labelQuota sets that tier's quota.",
    errors: RESULT_OR_APP_ERROR,
    args: {
      customerId: t.arg.id({ required: true, description: "The customer (cust_…)." }),
      tier: t.arg({ type: CustomerTier, required: true, description: "The new tier." }),
      labelQuota: t.arg.int({ required: true, description: "That tier's label quota." }),
    },
    resolve: (_root, args, context) =>
      setCustomerTier(context.deps, context.actor, { customerId: String(args.customerId), tier: args.tier, labelQuota: args.labelQuota }),
  }),
);
