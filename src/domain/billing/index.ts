// The billing wing: prices, metered usage by month, invoices and their closing.
export { unitPriceOf, type PriceList } from "./prices.js";
export { getUsage, monthSchema, type MonthUsage } from "./usage.js";
export { closeEndedMonths, getInvoice, listInvoices, type InvoiceDocument } from "./invoices.js";
