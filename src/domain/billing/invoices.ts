// Invoices: a month's live labels, closed into an invoice once the month is
// over (by the worker; idempotent: the (customer, period) key admits one).
// The current month is a draft, computed when asked. Invoices are live data:
// a sandbox key sees this month's draft of its own environment (sandbox
// labels cost nothing, so it has no lines) and no closed invoice.
import type { Deps } from "../../deps.js";
import type { Invoice } from "../../generated/prisma/client.js";
import { newId, NotFoundError, type CustomerActor } from "../shared/index.js";
import { invoiceLines, monthOf, monthRange, type UsageLine } from "./usage.js";

export interface InvoiceDocument {
  invoiceId: string;
  period: string;
  periodStart: Date;
  periodEnd: Date;
  currency: string;
  lineItems: UsageLine[];
  subtotal: number;
  total: number;
  status: "draft" | "open";
  issuedAt: Date | null;
}

/** The current month's draft has this id until the month closes. */
const draftId = (month: string) => `inv_draft_${month.replace("-", "")}`;

function documentOf(invoice: Invoice): InvoiceDocument {
  const { start, end } = monthRange(invoice.period);
  return {
    invoiceId: invoice.id,
    period: invoice.period,
    periodStart: start,
    periodEnd: end,
    currency: invoice.currency,
    lineItems: invoice.lineItems as unknown as UsageLine[],
    subtotal: invoice.subtotal,
    total: invoice.total,
    status: "open",
    issuedAt: invoice.issuedAt,
  };
}

async function draft(deps: Pick<Deps, "prisma" | "config">, actor: CustomerActor): Promise<InvoiceDocument> {
  const month = monthOf(new Date());
  const { start, end } = monthRange(month);
  const lineItems = actor.environment === "live" ? await invoiceLines(deps, actor.customerId, month) : [];
  const subtotal = lineItems.reduce((sum, line) => sum + line.amount, 0);
  return { invoiceId: draftId(month), period: month, periodStart: start, periodEnd: end, currency: deps.config.currency, lineItems, subtotal, total: subtotal, status: "draft", issuedAt: null };
}

/** GET /v1/billing/invoices: this month's draft, then closed months, newest first. */
export async function listInvoices(deps: Pick<Deps, "prisma" | "config">, actor: CustomerActor): Promise<InvoiceDocument[]> {
  if (actor.environment !== "live") return [await draft(deps, actor)];
  const closed = await deps.prisma.invoice.findMany({ where: { customerId: actor.customerId }, orderBy: { period: "desc" }, take: 120 });
  return [await draft(deps, actor), ...closed.map(documentOf)];
}

/** GET /v1/billing/invoices/{id}. */
export async function getInvoice(deps: Pick<Deps, "prisma" | "config">, actor: CustomerActor, invoiceId: string): Promise<InvoiceDocument> {
  if (invoiceId === draftId(monthOf(new Date()))) return draft(deps, actor);
  const invoice = actor.environment === "live" ? await deps.prisma.invoice.findFirst({ where: { id: invoiceId, customerId: actor.customerId } }) : null;
  if (!invoice) throw new NotFoundError(`invoice ${invoiceId}`);
  return documentOf(invoice);
}

/**
 * Closes every ended month that has live labels and no invoice yet. Safe with
 * any number of workers: the unique (customer, period) key lets one insert
 * win and the others skip. Returns how many invoices this call issued.
 */
export async function closeEndedMonths(deps: Pick<Deps, "prisma" | "config">, now = new Date()): Promise<number> {
  const thisMonth = monthRange(monthOf(now)).start;
  const open = await deps.prisma.$queryRaw<{ customerId: string; period: string }[]>`
    SELECT s.customer_id AS "customerId", to_char(s.day, 'YYYY-MM') AS period
    FROM billing_daily_stats s
    WHERE s.tier = 'live' AND s.day < (${thisMonth}::timestamptz AT TIME ZONE 'UTC')::date
      AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.customer_id = s.customer_id AND i.period = to_char(s.day, 'YYYY-MM'))
    GROUP BY 1, 2 HAVING sum(s.labels) > 0
    LIMIT 500`;
  let issued = 0;
  for (const { customerId, period } of open) {
    const lineItems = await invoiceLines(deps, customerId, period);
    const subtotal = lineItems.reduce((sum, line) => sum + line.amount, 0);
    const inserted = await deps.prisma.$executeRaw`
      INSERT INTO invoices (id, customer_id, period, currency, line_items, subtotal, total, status)
      VALUES (${newId("inv")}, ${customerId}, ${period}, ${deps.config.currency}, ${JSON.stringify(lineItems)}::jsonb, ${subtotal}, ${subtotal}, 'open')
      ON CONFLICT (customer_id, period) DO NOTHING`;
    issued += inserted;
  }
  return issued;
}
