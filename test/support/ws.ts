// A real graphql-ws client over a socket, collecting what a subscription yields.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface Subscription<T> {
  /** Resolves with the next event (or rejects after timeoutMs). */
  next(timeoutMs?: number): Promise<T>;
  received: T[];
  /** Whether the server has completed the subscription. */
  readonly completed: boolean;
  dispose(): Promise<void>;
}

export function wsClient(httpUrl: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({
    url: httpUrl.replace(/^http/, "ws") + "/graphql",
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes and waits until the server has acknowledged the connection. */
export async function subscribe<T = any>(client: Client, query: string, variables?: Record<string, unknown>): Promise<Subscription<T>> {
  const received: T[] = [];
  const waiters: { resolve: (v: T) => void; reject: (e: unknown) => void }[] = [];
  let failure: unknown;
  let delivered = 0;
  let completed = false;
  const connected = new Promise<void>((resolve) => {
    const off = client.on("connected", () => {
      off();
      resolve();
    });
  });
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        const item = (value.errors ? value : value.data) as T;
        received.push(item);
        const waiter = waiters.shift();
        if (waiter) {
          delivered++;
          waiter.resolve(item);
        }
      },
      error: (error) => {
        failure = error;
        for (const waiter of waiters.splice(0)) waiter.reject(error);
      },
      complete: () => {
        completed = true;
      },
    },
  );
  await connected;
  // graphql-ws does not acknowledge a subscribe; give the server (auth, ownership
  // check) a moment to register it before the test triggers events.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    received,
    get completed() {
      return completed;
    },
    next: (timeoutMs = 10_000) => {
      if (delivered < received.length) return Promise.resolve(received[delivered++]);
      if (failure) return Promise.reject(failure);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no subscription event within timeout")), timeoutMs);
        waiters.push({
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    dispose: async () => {
      unsubscribe();
    },
  };
}
