// zod → ValidationError with field paths, the one way input is checked.
import { z } from "zod";
import { ValidationError, type FieldProblem } from "./errors.js";

export function formatPath(path: PropertyKey[]): string {
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join("");
}

export function problemsOf(error: z.ZodError, prefix: PropertyKey[] = []): FieldProblem[] {
  return error.issues.map((issue) => ({ path: formatPath([...prefix, ...issue.path]) || "(body)", message: issue.message }));
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix: PropertyKey[] = []): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw ValidationError.of(problemsOf(parsed.error, prefix));
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
  }, { message: "must be an http:// or https:// URL", abort: true });

/** A small JSON object returned untouched. */
export const metadataObject = z
  .record(z.string(), z.unknown())
  .refine((value) => JSON.stringify(value).length <= 16_384, "must serialize to at most 16 KB of JSON");

/** Deeper JSON than any real request needs; bounded so inspection and storage stay cheap. */
export const MAX_JSON_DEPTH = 32;

/**
 * What PostgreSQL cannot store, or what only an attacker sends: NUL characters
 * (text cannot hold them), lone UTF-16 surrogates (jsonb refuses them, text
 * would silently store U+FFFD) and absurd nesting. Checked once at each edge
 * (REST body, path and query; GraphQL document and variables, HTTP and
 * WebSocket). Iterative, so no input can exhaust the stack. Returns the
 * problem, or undefined when the value is fine.
 */
export function unstorableInput(value: unknown): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === "string") {
      const problem = unstorableText(current);
      if (problem) return problem;
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    if (depth >= MAX_JSON_DEPTH) return `JSON must not be nested more than ${MAX_JSON_DEPTH} levels deep`;
    for (const [key, item] of Object.entries(current)) {
      const problem = unstorableText(key);
      if (problem) return problem;
      stack.push({ value: item, depth: depth + 1 });
    }
  }
  return undefined;
}

function unstorableText(text: string): string | undefined {
  if (text.includes("\u0000")) return "text must not contain NUL (\\u0000) characters";
  if (!text.isWellFormed()) return "text must be valid Unicode (no lone UTF-16 surrogates such as \\ud800)";
  return undefined;
}
