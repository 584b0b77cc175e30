import {
  createWebhook,
  deleteWebhook,
  EVENT_TYPES,
  FEED_MAX_LIMIT,
  followEventFeed,
  getWebhook,
  listDeliveries,
  listWebhooks,
  readEventFeed,
  redeliver,
  rotateWebhookSecret,
  type FeedEvent,
  type FeedPage,
} from "../domain/webhooks/index.js";
import { tenantOf } from "../domain/shared/index.js";
import type { Webhook, WebhookAttempt, WebhookDelivery } from "../generated/prisma/client.js";
import { builder } from "./builder.js";
import { nullIfNotFound, RESULT_OR_APP_ERROR } from "./errors.js";
import { withoutNulls } from "./input.js";

const Attempt = builder.objectRef<WebhookAttempt>("WebhookAttempt").implement({
  description: "One try at delivering an event.",
  fields: (t) => ({
    attemptNumber: t.exposeInt("attemptNumber", { description: "1 for the first try." }),
    statusCode: t.exposeInt("statusCode", { description: "The receiver's HTTP status; null when there was no answer.", nullable: true }),
    durationMs: t.exposeInt("durationMs", { description: "How long it took." }),
    responseExcerpt: t.exposeString("responseExcerpt", { description: "The start of the receiver's answer.", nullable: true }),
    error: t.exposeString("error", { description: "Why there was no answer (timeout, refused, unsafe address…).", nullable: true }),
    createdAt: t.expose("createdAt", { description: "When it was made.", type: "DateTime" }),
  }),
});

const DeliveryStatus = builder.enumType("DeliveryStatus", {
  description: "Where a delivery is.",
  values: {
    PENDING: { value: "pending", description: "Not tried yet." },
    RETRYING: { value: "retrying", description: "Failed so far; tried again at nextAttemptAt." },
    SUCCEEDED: { value: "succeeded", description: "The receiver answered 2xx." },
    FAILED: { value: "failed", description: "Gave up (retries spent, or 410 Gone); redeliver tries again." },
  } as const,
});

const Delivery = builder.objectRef<WebhookDelivery & { attemptLog?: WebhookAttempt[] }>("WebhookDelivery").implement({
  description: "One event on its way to one endpoint, with its attempts.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Delivery id, to redeliver it." }),
    eventId: t.exposeID("eventId", { description: "Sent as the webhook-id header; stable across retries." }),
    status: t.field({ description: "Where it is.", type: DeliveryStatus, resolve: (d) => d.status as (typeof DeliveryStatus)["$inferType"] }),
    attempts: t.exposeInt("attempts", { description: "Tries so far." }),
    lastStatusCode: t.exposeInt("lastStatusCode", { description: "The last try's HTTP status.", nullable: true }),
    lastError: t.exposeString("lastError", { description: "The last try's error.", nullable: true }),
    nextAttemptAt: t.field({ description: "When it is tried next; null once it is done.",
      type: "DateTime",
      nullable: true,
      resolve: (d) => (d.status === "pending" || d.status === "retrying" ? d.nextAttemptAt : null),
    }),
    attemptLog: t.field({ description: "Every try, oldest first.", type: [Attempt], resolve: (d) => d.attemptLog ?? [] }),
    createdAt: t.expose("createdAt", { description: "When the event was queued.", type: "DateTime" }),
  }),
});

const WebhookStatus = builder.enumType("WebhookStatus", {
  description: "Whether an endpoint receives events.",
  values: {
    ACTIVE: { value: "active", description: "Receives events." },
    DISABLED: { value: "disabled", description: "Receives nothing (it answered 410 Gone); see disabledReason." },
  } as const,
});

const WebhookRef = builder.objectRef<Webhook>("Webhook").implement({
  description: "An endpoint that receives your events, signed (Standard Webhooks).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Webhook id (whk_…)." }),
    callbackUrl: t.exposeString("url", { description: "Where events are POSTed." }),
    events: t.stringList({ description: "The event types it receives (task.completed, task.failed, batch.completed, job.completed, job.failed).", resolve: (w) => w.events as string[] }),
    status: t.field({ description: "Whether it receives events.", type: WebhookStatus, resolve: (w) => w.status as (typeof WebhookStatus)["$inferType"] }),
    disabledReason: t.exposeString("disabledReason", { description: "Why it was disabled.", nullable: true }),
    failingSince: t.expose("failingSince", { description: "Since when its deliveries fail; null while they succeed.", type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { description: "When it was registered.", type: "DateTime" }),
    deliveries: t.withAuth({ customer: true }).field({
      description: "Its latest deliveries, newest first.",
      type: [Delivery],
      args: { last: t.arg.int({ description: "How many (default 50).", defaultValue: 50 }) },
      resolve: (w, { last }, context) => listDeliveries(context.deps, context.actor, w.id, last ?? 50),
    }),
  }),
});

const WebhookWithSecret = builder.objectRef<{ webhook: Webhook; secret?: string }>("WebhookWithSecret").implement({
  description: "A webhook, with its secret when the server made it.",
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, description: "The webhook.", resolve: (r) => r.webhook }),
    secret: t.exposeString("secret", { nullable: true, description: "Only when generated by the server; shown once." }),
  }),
});

builder.queryField("webhooks", (t) =>
  t.withAuth({ customer: true }).field({
    description: "Your webhooks.", type: [WebhookRef], resolve: (_r, _a, c) => listWebhooks(c.deps, c.actor) }),
);

builder.queryField("webhook", (t) =>
  t.withAuth({ customer: true }).field({
    description: "One of your webhooks; null if there is none with this id.",
    type: WebhookRef,
    nullable: true,
    args: { id: t.arg.id({ description: "Webhook id (whk_…).", required: true }) },
    resolve: (_r, { id }, c) =>
      nullIfNotFound(getWebhook(c.deps, c.actor, String(id))),
  }),
);

builder.mutationField("createWebhook", (t) =>
  t.withAuth({ customer: true }).field({
    description: "Registers an endpoint for your events.",
    type: WebhookWithSecret,
    errors: RESULT_OR_APP_ERROR,
    args: { callbackUrl: t.arg.string({ description: "A public https URL.", required: true }), secret: t.arg.string({ description: "whsec_ + base64 of 24–64 bytes; omitted, the server makes one and shows it once." }), events: t.arg.stringList({ description: "Event types to receive (default: all)." }) },
    resolve: async (_r, args, c) => {
      const { webhook, generatedSecret } = await createWebhook(c.deps, c.actor, withoutNulls(args));
      return { webhook, secret: generatedSecret };
    },
  }),
);

builder.mutationField("deleteWebhook", (t) =>
  t.withAuth({ customer: true }).field({
    description: "Removes a webhook; its pending deliveries are dropped.",
    type: "Boolean",
    errors: RESULT_OR_APP_ERROR,
    args: { id: t.arg.id({ description: "Webhook id (whk_…).", required: true }) },
    resolve: async (_r, { id }, c) => {
      await deleteWebhook(c.deps, c.actor, String(id));
      return true;
    },
  }),
);

builder.mutationField("rotateWebhookSecret", (t) =>
  t.withAuth({ customer: true }).field({
    description: "Replaces a webhook's secret with a new one, shown once.",
    type: WebhookWithSecret,
    errors: RESULT_OR_APP_ERROR,
    args: { id: t.arg.id({ description: "Webhook id (whk_…).", required: true }) },
    resolve: (_r, { id }, c) => rotateWebhookSecret(c.deps, c.actor, String(id)),
  }),
);

builder.mutationField("redeliver", (t) =>
  t.withAuth({ customer: true }).field({
    description: "Queues a delivery again (say, after fixing the receiver).",
    type: Delivery,
    errors: RESULT_OR_APP_ERROR,
    args: { deliveryId: t.arg.id({ description: "The delivery's id.", required: true }) },
    resolve: (_r, { deliveryId }, c) => redeliver(c.deps, c.actor, String(deliveryId)),
  }),
);

const FeedEventRef = builder.objectRef<FeedEvent>("FeedEvent").implement({
  description: "An event of the feed: what a webhook delivers, with its place in the feed.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "evt_…: the webhook delivery's webhook-id and body id." }),
    type: t.exposeString("type", { description: `${EVENT_TYPES.join(", ")}.` }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it happened." }),
    data: t.field({ type: "JSON", description: "As in the webhook body: what the matching REST endpoint returns.", resolve: (event) => event.data }),
    cursor: t.exposeString("cursor", { description: "Pass as `after` to continue after this event." }),
  }),
});

const EventFeedPageRef = builder.objectRef<FeedPage>("EventFeedPage").implement({
  description: "A page of the event feed, oldest first.",
  fields: (t) => ({
    events: t.field({ type: [FeedEventRef], description: "The events, oldest first.", resolve: (page) => page.events }),
    nextCursor: t.exposeString("nextCursor", { nullable: true, description: "Where to continue: pass as `after` (the last event's cursor, or the `after` given when there was none)." }),
    hasMore: t.exposeBoolean("hasMore", { description: "Another page is ready now." }),
  }),
});

builder.queryField("events", (t) =>
  t.withAuth({ customer: true }).field({
    type: EventFeedPageRef,
    description: `Your environment's events after a cursor (from the oldest kept, without one), oldest first; as GET /v1/events. At most ${FEED_MAX_LIMIT} per page.`,
    args: {
      after: t.arg.string({ description: "A cursor from this feed." }),
      types: t.arg.stringList({ description: "Only these event types." }),
      first: t.arg.int({ description: "Page size (default 100)." }),
    },
    resolve: (_root, args, context) =>
      readEventFeed(context.deps, tenantOf(context.actor), { after: args.after ?? undefined, types: args.types ?? undefined, limit: args.first ?? undefined }),
  }),
);

builder.subscriptionField("events", (t) =>
  t.withAuth({ customer: true }).field({
    type: FeedEventRef,
    description: "The feed from a cursor (the oldest kept, without one), then each new event: keep the last cursor you handled and resume from it after a disconnect.",
    args: {
      after: t.arg.string({ description: "A cursor from this feed." }),
      types: t.arg.stringList({ description: "Only these event types." }),
    },
    subscribe: (_root, args, context) => followEventFeed(context.deps, tenantOf(context.actor), { after: args.after ?? undefined, types: args.types ?? undefined }),
    resolve: (event) => event,
  }),
);
