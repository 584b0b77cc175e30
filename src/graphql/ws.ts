// graphql-ws on the same path as HTTP GraphQL, running through Yoga's envelop
// so that context, auth and error masking are identical.
import type { Server } from "node:http";
import { WebSocketServer } from "ws";
import { useServer } from "graphql-ws/use/ws";
import { GraphQLError, type ExecutionArgs } from "graphql";
import { unusableParams, type Yoga } from "./yoga.js";

export interface GraphQLWebSocketServer {
  close(): Promise<void>;
}

export interface WebSocketLimits {
  /** Largest message a client may send, in bytes (larger closes the socket with 1009). */
  maxPayloadBytes: number;
  /** Subscriptions one connection may hold open at once. */
  maxSubscriptions: number;
}

export function attachGraphQLWebSocket(httpServer: Server, yoga: Yoga, limits: WebSocketLimits): GraphQLWebSocketServer {
  const wsServer = new WebSocketServer({ server: httpServer, path: yoga.graphqlEndpoint, maxPayload: limits.maxPayloadBytes });
  const server = useServer(
    {
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      // Every refusal below is an error message for this operation id only:
      // the connection and its other subscriptions carry on.
      onSubscribe: async (ctx, _id, payload) => {
        // graphql-ws has already registered this operation's id.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptions) {
          return [
            new GraphQLError(`a connection may hold at most ${limits.maxSubscriptions} subscriptions; complete one first`, {
              extensions: { code: "too_many_subscriptions" },
            }),
          ];
        }
        const unusable = unusableParams(payload);
        if (unusable) return [unusable];
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams,
        });
        let document: ExecutionArgs["document"];
        try {
          document = parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const args: EnvelopedArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wsServer,
  );
  return {
    close: async () => {
      // 1001 "going away": clients know to reconnect elsewhere.
      for (const client of wsServer.clients) client.close(1001, "server shutting down");
      await server.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

type EnvelopedArgs = ExecutionArgs & {
  rootValue: { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };
};
