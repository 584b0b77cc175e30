// What each customer route of /v1 needs (accounts/roles.ts), checked in one
// place, after authentication (auth.ts customersOnly). A route not listed is
// refused to all but owners, admins and full keys: a new route is never open by mistake.
import type { Permission } from "../domain/accounts/index.js";

export const ROUTE_PERMISSIONS: Record<string, Permission> = {
  "GET /v1/customers/me": "read",
  "GET /v1/api-keys": "read",
  "POST /v1/api-keys": "keys.manage",
  "DELETE /v1/api-keys/:id": "keys.manage",
  "GET /v1/members": "read",
  "POST /v1/members": "members.manage",
  "PATCH /v1/members/:id": "members.manage",
  "DELETE /v1/members/:id": "members.manage",
  "DELETE /v1/sessions/current": "read",
  "GET /v1/sessions/current": "read",
  "POST /v1/tasks": "tasks.write",
  "POST /v1/tasks/batch": "tasks.write",
  "POST /v1/tasks/:id/cancel": "tasks.write",
  "GET /v1/tasks": "labels.read",
  "GET /v1/tasks/:id": "labels.read",
  "GET /v1/tasks/:id/result": "labels.read",
  "GET /v1/batches/:id": "labels.read",
  "GET /v1/batches/:id/tasks": "labels.read",
  "GET /v1/batches/:id/ranking": "labels.read",
  "POST /v1/jobs": "tasks.write",
  "POST /v1/jobs/:id/cancel": "tasks.write",
  "GET /v1/jobs": "labels.read",
  "GET /v1/jobs/:id": "labels.read",
  "GET /v1/jobs/:id/export": "labels.read",
  "GET /v1/jobs/:id/ranking": "labels.read",
  "POST /v1/webhooks": "webhooks.manage",
  "DELETE /v1/webhooks/:id": "webhooks.manage",
  "GET /v1/webhooks": "read",
  "GET /v1/billing/usage": "billing.read",
  "GET /v1/billing/invoices": "billing.read",
  "GET /v1/billing/invoices/:id": "billing.read",
  "GET /v1/dashboard/overview": "read",
  "GET /v1/dashboard/tasks": "labels.read",
  "GET /v1/dashboard/quality": "read",
  "GET /v1/dashboard/usage": "read",
  "GET /v1/audit-events": "read",
  "GET /v1/events": "labels.read",
  "POST /v1/exports": "labels.read",
  "GET /v1/exports": "labels.read",
  "GET /v1/exports/:id": "labels.read",
  "GET /v1/exports/:id/download": "labels.read",
  "GET /v1/tasks/export": "labels.read",
  "POST /v1/projects": "tasks.write",
  "PATCH /v1/projects/:id": "tasks.write",
  "GET /v1/projects": "labels.read",
  "GET /v1/projects/:id": "labels.read",
};

export function routePermission(method: string, route: string | undefined): Permission {
  return ROUTE_PERMISSIONS[`${method} ${route}`] ?? "members.manage";
}
