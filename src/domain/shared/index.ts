// The shared kernel of every wing: actors, expected errors, input checks, ids,
// secrets and seeded randomness.
export * from "./actors.js";
export * from "./errors.js";
export * from "./ids.js";
export * from "./random.js";
export * from "./secrets.js";
export * from "./validation.js";
