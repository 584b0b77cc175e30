// Billing: metered usage by month and invoices (amounts in minor units).
import { resolveArrayConnection } from "@pothos/plugin-relay";
import { getInvoice, getUsage, listInvoices, type InvoiceDocument, type MonthUsage } from "../domain/billing/index.js";
import { builder } from "./builder.js";
import { nullIfNotFound } from "./errors.js";

const UsageByType = builder.objectRef<MonthUsage["byType"][number]>("UsageByType").implement({
  fields: (t) => ({ taskType: t.exposeString("taskType"), labels: t.exposeInt("labels"), amount: t.exposeInt("amount") }),
});
const UsageByDay = builder.objectRef<MonthUsage["byDay"][number]>("UsageByDay").implement({
  fields: (t) => ({ date: t.exposeString("date", { description: "YYYY-MM-DD (UTC)" }), labels: t.exposeInt("labels"), amount: t.exposeInt("amount") }),
});
const Quota = builder.objectRef<MonthUsage["quota"]>("Quota").implement({
  fields: (t) => ({ labelQuota: t.exposeInt("labelQuota"), labelsUsed: t.exposeInt("labelsUsed"), labelsRemaining: t.exposeInt("labelsRemaining") }),
});
const Usage = builder.objectRef<MonthUsage>("Usage").implement({
  description: "Labels completed in a UTC month and what they cost, in minor units of the currency.",
  fields: (t) => ({
    month: t.exposeString("month"),
    currency: t.exposeString("currency"),
    totalLabels: t.exposeInt("totalLabels"),
    totalAmount: t.exposeInt("totalAmount"),
    byType: t.field({ type: [UsageByType], resolve: (usage) => usage.byType }),
    byDay: t.field({ type: [UsageByDay], resolve: (usage) => usage.byDay }),
    quota: t.field({ type: Quota, resolve: (usage) => usage.quota }),
  }),
});

const InvoiceLine = builder.objectRef<InvoiceDocument["lineItems"][number]>("InvoiceLine").implement({
  fields: (t) => ({
    taskType: t.exposeString("taskType"),
    quantity: t.exposeInt("labels"),
    unitPrice: t.exposeInt("unitPrice"),
    amount: t.exposeInt("amount"),
  }),
});
const InvoiceStatus = builder.enumType("InvoiceStatus", { values: { DRAFT: { value: "draft" }, OPEN: { value: "open" } } as const });
const InvoiceRef = builder.objectRef<InvoiceDocument>("Invoice").implement({
  fields: (t) => ({
    id: t.exposeID("invoiceId"),
    period: t.exposeString("period", { description: "YYYY-MM (UTC)" }),
    currency: t.exposeString("currency"),
    lineItems: t.field({ type: [InvoiceLine], resolve: (invoice) => invoice.lineItems }),
    subtotal: t.exposeInt("subtotal"),
    total: t.exposeInt("total"),
    status: t.field({ type: InvoiceStatus, resolve: (invoice) => invoice.status }),
    issuedAt: t.expose("issuedAt", { type: "DateTime", nullable: true }),
  }),
});

builder.queryField("usage", (t) =>
  t.withAuth({ customer: true }).field({
    type: Usage,
    description: "Usage of a month (YYYY-MM, UTC; default: this month).",
    args: { month: t.arg.string() },
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
    type: InvoiceRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => nullIfNotFound(getInvoice(context.deps, context.actor, String(id))),
  }),
);
