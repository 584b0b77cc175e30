// The shared kernel of every wing: actors, expected errors, input checks, ids,
// secrets, seeded randomness and subscribers' event streams.
export * from "./actors.js";
export * from "./error-codes.js";
export * from "./errors.js";
export * from "./ids.js";
export * from "./random.js";
export * from "./secrets.js";
export * from "./streams.js";
export * from "./validation.js";
