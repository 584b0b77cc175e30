// The audit log of changes made through the API.
export { AUDIT_ACTIONS, auditCustomerChange, auditFilterSchema, auditOperatorChange, listAuditEvents, type AuditAction, type AuditFilter } from "./audit-log.js";
