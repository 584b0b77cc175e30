// The webhooks wing: endpoints customers register, the outbox every event goes
// through, delivery with retries, SSRF-safe targets and signing.
export { EVENT_TYPES, recordEvent, recordEvents, type EventType, type NewEvent } from "./outbox.js";
export {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  redeliver,
  rotateWebhookSecret,
  webhookInputSchema,
} from "./registration.js";
export { attemptDelivery, claimDueDeliveries, hasDueDeliveries, type ClaimedDelivery, type DeliveryPolicy } from "./delivery.js";
export { FEED_MAX_LIMIT, followEventFeed, pruneEvents, readEventFeed, type FeedEvent, type FeedPage, type FeedQuery } from "./event-feed.js";
export { callbackSecret } from "./signing.js";
export { assertSafeTarget, guardedLookup, refusedLiteralTarget } from "./targets.js";
