// Billing: metered usage by month and invoices (amounts in minor units).
import { resolveArrayConnection } from "@pothos/plugin-relay";
import { getInvoice, getUsage, listInvoices, type InvoiceDocument, type MonthUsage } from "../domain/billing/index.js";
import { builder } from "./builder.js";
import { nullIfNotFound } from "./errors.js";

const UsageByType = builder.objectRef<MonthUsage["byType"][number]>("UsageByType").implement({
  description: "A month's billed labels of one task type.",
  fields: (t) => ({
    taskType: t.exposeString("taskType", { description: "The task type (image_classification, …)." }),
    labels: t.exposeInt("labels", { description: "Labels completed." }),
    amount: t.exposeInt("amount", { description: "Their price, in minor units (0 for sandbox labels)." }),
  }),
});
const UsageByDay = builder.objectRef<MonthUsage["byDay"][number]>("UsageByDay").implement({
  description: "One day's billed labels.",
  fields: (t) => ({
    date: t.exposeString("date", { description: "YYYY-MM-DD (UTC)" }),
    labels: t.exposeInt("labels", { description: "Labels completed that day." }),
    amount: t.exposeInt("amount", { description: "Their price, in minor units." }),
  }),
});
const Quota = builder.objectRef<MonthUsage["quota"]>("Quota").implement({
  description: "The label quota of the environment of the key you called with.",
  fields: (t) => ({
    labelQuota: t.exposeInt("labelQuota", { description: "Labels this environment may use." }),
    labelsUsed: t.exposeInt("labelsUsed", { description: "Labels charged (open and completed tasks)." }),
    labelsRemaining: t.exposeInt("labelsRemaining", { description: "labelQuota − labelsUsed, never below 0." }),
  }),
});
const Usage = builder.objectRef<MonthUsage>("Usage").implement({
  description: "Labels completed in a UTC month and what they cost, in minor units of the currency.",
  fields: (t) => ({
    month: t.exposeString("month", { description: "YYYY-MM (UTC)." }),
    currency: t.exposeString("currency", { description: "ISO 4217, lower case (usd)." }),
    totalLabels: t.exposeInt("totalLabels", { description: "Labels completed in the month." }),
    totalAmount: t.exposeInt("totalAmount", { description: "Their price, in minor units." }),
    byType: t.field({ type: [UsageByType], description: "By task type.", resolve: (usage) => usage.byType }),
    byDay: t.field({ type: [UsageByDay], description: "By day, days with labels only.", resolve: (usage) => usage.byDay }),
    quota: t.field({ type: Quota, description: "The quota now.", resolve: (usage) => usage.quota }),
  }),
});

const InvoiceLine = builder.objectRef<InvoiceDocument["lineItems"][number]>("InvoiceLine").implement({
  description: "One task type's labels on an invoice.",
  fields: (t) => ({
    taskType: t.exposeString("taskType", { description: "The task type." }),
    quantity: t.exposeInt("labels", { description: "Labels billed." }),
    unitPrice: t.exposeInt("unitPrice", { description: "Price of one label, in minor units." }),
    amount: t.exposeInt("amount", { description: "quantity × unitPrice." }),
  }),
});
const InvoiceStatus = builder.enumType("InvoiceStatus", {
  description: "Whether the invoice's month is over.",
  values: {
    DRAFT: { value: "draft", description: "The current month, computed on request; it changes as labels complete." },
    OPEN: { value: "open", description: "A closed month: issued and final." },
  } as const,
});
const InvoiceRef = builder.objectRef<InvoiceDocument>("Invoice").implement({
  description: "A month's live labels and their price.",
  fields: (t) => ({
    id: t.exposeID("invoiceId", { description: "inv_… (inv_draft_YYYYMM for the current month)." }),
    period: t.exposeString("period", { description: "YYYY-MM (UTC)" }),
    currency: t.exposeString("currency", { description: "ISO 4217, lower case." }),
    lineItems: t.field({ type: [InvoiceLine], description: "One line per task type.", resolve: (invoice) => invoice.lineItems }),
    subtotal: t.exposeInt("subtotal", { description: "Sum of the lines, in minor units." }),
    total: t.exposeInt("total", { description: "What is owed, in minor units (no taxes yet: equal to subtotal)." }),
    status: t.field({ type: InvoiceStatus, description: "DRAFT for the current month, OPEN once closed.", resolve: (invoice) => invoice.status }),
    issuedAt: t.expose("issuedAt", { type: "DateTime", nullable: true, description: "When the month was closed; null for a draft." }),
  }),
});

builder.queryField("usage", (t) =>
  t.withAuth({ customer: true }).field({
    type: Usage,
    description: "Usage of a month (YYYY-MM, UTC; default: this month).",
    args: { month: t.arg.string({ description: "YYYY-MM (default: the current UTC month)." }) },
    resolve: (_root, { month }, context) => getUsage(context.deps, context.actor, month ?? undefined),
  }),
);

builder.queryField("invoices", (t) =>
  t.withAuth({ customer: true }).connection({
    type: InvoiceRef,
    description: "This month's draft, then closed months, newest first.",
    resolve: async (_root, args, context) => resolveArrayConnection({ args }, await listInvoices(context.deps, context.actor)),
  }),
);

builder.queryField("invoice", (t) =>
  t.withAuth({ customer: true }).field({
    description: "One of your invoices (inv_draft_YYYYMM for the current month); null if there is none.",
    type: InvoiceRef,
    nullable: true,
    args: { id: t.arg.id({ description: "Invoice id (inv_…).", required: true }) },
    resolve: (_root, { id }, context) => nullIfNotFound(getInvoice(context.deps, context.actor, String(id))),
  }),
);
