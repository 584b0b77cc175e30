// Expected errors as GraphQL types, for mutations that return a result union
// (Pothos errors plugin). The same codes as REST.
import { AppError } from "../domain/shared/index.js";
import { builder } from "./builder.js";

const ErrorInterface = builder.interfaceRef<AppError>("Error").implement({
  description: "An expected error: a stable code and a message for people.",
  fields: (t) => ({
    code: t.exposeString("code", { description: "Stable and machine-readable, the same as REST's error.code (e.g. quota_exceeded)." }),
    message: t.exposeString("message", { description: "What went wrong, for people." }),
  }),
});

builder.objectType(AppError, {
  name: "AppError",
  description: "Why an operation was refused (validation, quota, conflict, not found…).",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof AppError,
  fields: (t) => ({
    details: t.field({
      type: "JSON",
      nullable: true,
      description: "Particulars, e.g. the fields at fault ({path, message}) or the quota's numbers.",
      resolve: (error) => error.details ?? null,
    }),
  }),
});

/** A mutation's result union: its data, or an AppError. */
export const RESULT_OR_APP_ERROR = { types: [AppError], dataField: { description: "The operation's result." } };

export { AppError };

/** For single-object queries: a missing (or another customer's) object is null, not an error. */
export async function nullIfNotFound<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AppError && error.code === "not_found") return null;
    throw error;
  }
}
