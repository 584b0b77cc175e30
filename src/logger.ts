import pino from "pino";

export type Logger = pino.Logger;

// Keys and secrets never reach the log, wherever they appear in a logged object.
const REDACT = [
  "req.headers.authorization",
  "*.authorization",
  "*.api_key",
  "*.apiKey",
  "*.secret",
  "*.password",
  "*.token",
  "*.s3_credentials",
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: "[redacted]" }, base: { service: "asg-refinery" } });
}
