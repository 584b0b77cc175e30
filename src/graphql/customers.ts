import { getProfile, registerCustomer, type Profile, type Registration } from "../domain/accounts/index.js";
import { builder } from "./builder.js";
import { AppError } from "./errors.js";

const Customer = builder.objectRef<Profile>("Customer").implement({
  fields: (t) => ({
    id: t.exposeID("customerId"),
    name: t.exposeString("name"),
    email: t.exposeString("email"),
    tier: t.exposeString("tier"),
    labelQuota: t.exposeInt("labelQuota"),
    labelsUsed: t.exposeInt("labelsUsed"),
    labelsRemaining: t.exposeInt("labelsRemaining"),
    apiKeyPrefix: t.exposeString("apiKeyPrefix", { nullable: true }),
    callbackSecret: t.exposeString("callbackSecret", { description: "Verifies deliveries to your tasks' callback_url (Standard Webhooks)." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const RegistrationRef = builder.objectRef<Registration>("Registration").implement({
  fields: (t) => ({
    customerId: t.exposeID("customerId"),
    apiKey: t.exposeString("apiKey", { description: "Shown once: store it securely." }),
    tier: t.exposeString("tier"),
    labelQuota: t.exposeInt("labelQuota"),
    message: t.exposeString("message"),
  }),
});

const RegisterCustomerInput = builder.inputType("RegisterCustomerInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    email: t.string({ required: true }),
  }),
});

builder.mutationField("registerCustomer", (t) =>
  t.field({
    type: RegistrationRef,
    errors: { types: [AppError] },
    args: { input: t.arg({ type: RegisterCustomerInput, required: true }) },
    resolve: (_root, { input }, { deps }) => registerCustomer(deps, input),
  }),
);

builder.queryField("me", (t) =>
  t.withAuth({ customer: true }).field({
    type: Customer,
    resolve: (_root, _args, context) => getProfile(context.deps, context.actor),
  }),
);
