// zod → ValidationError with field paths, the one way input is checked.
import { z } from "zod";
import { ValidationError, type FieldProblem } from "./errors.js";

export function formatPath(path: PropertyKey[]): string {
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join("");
}

export function problemsOf(error: z.ZodError, prefix: PropertyKey[] = []): FieldProblem[] {
  return error.issues.map((issue) => ({ path: formatPath([...prefix, ...issue.path]) || "(body)", message: issue.message }));
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = problemsOf(parsed.error);
    throw new ValidationError(`${problems[0].path}: ${problems[0].message}`, problems);
  }
  return parsed.data;
}

export const httpUrl = z
  .string()
  .max(2048, "must be at most 2048 characters")
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL");

/** A small JSON object returned untouched. */
export const metadataObject = z
  .record(z.string(), z.unknown())
  .refine((value) => JSON.stringify(value).length <= 16_384, "must serialize to at most 16 KB of JSON");

/**
 * PostgreSQL text cannot hold NUL characters; input carrying one is refused
 * at the edge (REST body and path, GraphQL document and variables).
 */
export function containsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (value === null || typeof value !== "object") return false;
  return Object.entries(value).some(([key, item]) => key.includes("\u0000") || containsNul(item));
}

export const NUL_MESSAGE = "text must not contain NUL (\\u0000) characters";
