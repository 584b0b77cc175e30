// A real HTTP webhook receiver on 127.0.0.1, scripted per request.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** The sender's port: requests with the same one came over the same connection. */
  connection: number;
}

/** "hang" never answers; a number answers with that status. */
export type Behaviour = number | "hang";

export interface Receiver {
  url: string;
  received: Received[];
  /** Behaviours for the next requests, in order; afterwards `fallback`. */
  script(...behaviours: Behaviour[]): void;
  fallback: Behaviour;
  /** Delay before each answer, so requests in flight at once can be seen. */
  answerDelayMs: number;
  /** The most requests this receiver was answering at once. */
  maxInFlight: number;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(fallback: Behaviour = 200): Promise<Receiver> {
  const queue: Behaviour[] = [];
  const received: Received[] = [];
  const hanging = new Set<import("node:http").ServerResponse>();
  const receiver: Partial<Receiver> = { received, fallback, answerDelayMs: 0, maxInFlight: 0 };
  let inFlight = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    receiver.maxInFlight = Math.max(receiver.maxInFlight!, ++inFlight);
    res.on("close", () => inFlight--);
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now(), connection: req.socket.remotePort! });
      const behaviour = queue.shift() ?? receiver.fallback!;
      if (behaviour === "hang") {
        hanging.add(res);
        return;
      }
      setTimeout(() => {
        res.writeHead(behaviour, { "content-type": "text/plain" });
        res.end(`receiver answered ${behaviour}`);
      }, receiver.answerDelayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    script: (...behaviours: Behaviour[]) => queue.push(...behaviours),
    waitFor: async (count: number, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${received.length} of ${count} requests`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return received;
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as Receiver;
}
