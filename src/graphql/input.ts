// GraphQL input → domain input: both camelCase, but an optional GraphQL
// argument may arrive as null, which the domain reads as "not given".
export function withoutNulls<T extends object>(input: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}

/** A GraphQL enum's values from the domain's, in upper case, each with its description. */
export function enumValues<T extends string>(values: readonly T[], descriptions: Record<T, string>) {
  return Object.fromEntries(values.map((value) => [value.toUpperCase(), { value, description: descriptions[value] }])) as Record<
    Uppercase<T>,
    { value: T; description: string }
  >;
}
