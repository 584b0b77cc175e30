// A subscription lasts as long as the credential it was opened with (graphql-ws
// and SSE alike): each event is sent only once the credential is looked up
// again, so a revoked key's, or a disabled annotator's, streams end with
// `unauthorized` instead of going on delivering.
import { GraphQLError, type ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";
import { stillAuthenticates } from "../domain/accounts/index.js";
import { UnauthorizedError } from "../domain/shared/index.js";
import type { GraphQLContext } from "./builder.js";

const REVOKED = new UnauthorizedError(
  "the credential this subscription was opened with has been revoked (or its annotator disabled); subscribe again with a valid one",
  "revoked",
);

export const endStreamsOfRevokedCredentials: Plugin<GraphQLContext> = {
  onSubscribe: () => ({
    onSubscribeResult: ({ args, result, setResult }) => {
      const { deps, credentials, actor } = args.contextValue;
      if (!actor || !(Symbol.asyncIterator in result)) return;
      // A lookup that fails (the database away) ends nothing: the events' own reads fail meanwhile.
      setResult(whileAuthenticated(result, () => stillAuthenticates(deps, credentials, actor).catch(() => true)));
    },
  }),
};

/**
 * The source's results while `authenticated()` holds; then one error and the
 * end. Not an async generator: a client's unsubscribe (return) must reach the
 * source at once, not wait behind the next event.
 */
function whileAuthenticated(source: AsyncIterable<ExecutionResult>, authenticated: () => Promise<boolean>): AsyncIterableIterator<ExecutionResult> {
  const events = source[Symbol.asyncIterator]();
  let ended = false;
  const end = async (): Promise<IteratorResult<ExecutionResult>> => {
    ended = true;
    await events.return?.();
    return { done: true, value: undefined };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (ended) return { done: true, value: undefined };
      const event = await events.next();
      if (event.done || (await authenticated())) return event;
      await end();
      // Carried as the original error: maskError gives it its code, as every AppError.
      return { done: false, value: { errors: [new GraphQLError(REVOKED.message, { originalError: REVOKED })] } };
    },
    return: end,
    async throw(error: unknown) {
      await end();
      throw error;
    },
  };
}
