/**
 * @module lib/console/sse
 * Server-Sent Events from an async generator: each item is sent with its id (so the browser's
 * EventSource resumes with Last-Event-ID after a drop), a comment every 15 s keeps proxies and
 * the connection awake, and the generator is stopped when the client goes away.
 */
export interface SseItem {
  id?: string;
  event?: string;
  data: unknown;
}

export function sseResponse(request: Request, produce: (signal: AbortSignal) => AsyncIterable<SseItem>): Response {
  const stop = new AbortController();
  request.signal.addEventListener("abort", () => stop.abort(), { once: true });
  const encoder = new TextEncoder();
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (!stop.signal.aborted) controller.enqueue(encoder.encode(text));
      };
      send("retry: 2000\n\n");
      keepAlive = setInterval(() => send(": keep-alive\n\n"), 15_000);
      try {
        for await (const item of produce(stop.signal)) {
          if (stop.signal.aborted) break;
          send(`${item.id ? `id: ${item.id}\n` : ""}${item.event ? `event: ${item.event}\n` : ""}data: ${JSON.stringify(item.data)}\n\n`);
        }
        send("event: end\ndata: {}\n\n");
      } catch (error) {
        if (!stop.signal.aborted) send(`event: error\ndata: ${JSON.stringify({ error: (error as Error).message })}\n\n`);
      } finally {
        clearInterval(keepAlive);
        try {
          controller.close();
        } catch {
          // already closed by the client going away
        }
      }
    },
    cancel() {
      clearInterval(keepAlive);
      stop.abort();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" } });
}
