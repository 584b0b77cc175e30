import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { getInvoice, getUsage, listInvoices } from "../domain/billing/index.js";
import { invoiceView, usageView } from "../domain/representations/index.js";
import { customerOf } from "./auth.js";
import { single } from "./listing.js";

export function billingRoutes(router: Router, deps: Deps) {
  router.get("/billing/usage", async (ctx) => {
    ctx.body = usageView(await getUsage(deps, customerOf(ctx), single(ctx.query.month)));
  });

  router.get("/billing/invoices", async (ctx) => {
    ctx.body = { data: (await listInvoices(deps, customerOf(ctx))).map(invoiceView) };
  });

  router.get("/billing/invoices/:id", async (ctx) => {
    ctx.body = invoiceView(await getInvoice(deps, customerOf(ctx), ctx.params.id));
  });
}
