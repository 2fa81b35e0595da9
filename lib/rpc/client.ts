/**
 * @module lib/rpc/client
 * A promise client for a generated service definition over a Unix socket. Every call has a
 * deadline (the caller's, or the default) and waits for the server to become ready until
 * then, so a client started before its server simply waits instead of failing. Failures come
 * back as AiosError with the server's code, sentence and field.
 */
import { existsSync } from "node:fs";
import { connectivityState, type CallOptions as GrpcCallOptions, Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { complete, type DeepPartial, type MethodDefinition, methodPath, type RequestOf, type ResponseOf, type ServiceDefinition } from "./definition.ts";
import { AiosError, deadlineExceeded, fromServiceError, unavailable } from "./errors.ts";

export interface CallOptions {
  /** Milliseconds the call may take, waiting for the server included. */
  timeoutMs?: number;
  /** Fail at once when the server is not up, instead of waiting for it until the deadline. */
  failFast?: boolean;
  metadata?: Record<string, string>;
  /** Aborting cancels the call (its error is CANCELLED). */
  signal?: AbortSignal;
}

/** A server stream: iterate it; cancel() or breaking out of the loop ends the call. */
export interface ResponseStream<T> extends AsyncIterable<T> {
  cancel(): void;
}

type RequestInput<M> = DeepPartial<RequestOf<M>>;

export type MethodClient<M> = M extends { requestStream: false; responseStream: false }
  ? (request: RequestInput<M>, options?: CallOptions) => Promise<ResponseOf<M>>
  : M extends { requestStream: false; responseStream: true }
    ? (request: RequestInput<M>, options?: CallOptions) => ResponseStream<ResponseOf<M>>
    : M extends { requestStream: true; responseStream: false }
      ? (requests: Iterable<RequestInput<M>> | AsyncIterable<RequestInput<M>>, options?: CallOptions) => Promise<ResponseOf<M>>
      : never;

export type ServiceClient<S extends ServiceDefinition> = {
  readonly [K in keyof S["methods"]]: MethodClient<S["methods"][K]>;
} & {
  /** Waits until the server's socket accepts calls; UNAVAILABLE after timeoutMs. */
  ready(timeoutMs?: number): Promise<void>;
  close(): void;
};

export interface ConnectOptions {
  /** Deadline of calls that set none. */
  defaultTimeoutMs?: number;
  /** Calls fail at once when the server is down unless they say otherwise (for interactive callers). */
  failFast?: boolean;
}

// Unix sockets come back fast: do not sit in grpc-js's default backoff (1 s growing to 120 s).
const CHANNEL_OPTIONS = {
  "grpc.initial_reconnect_backoff_ms": 50,
  "grpc.min_reconnect_backoff_ms": 50,
  "grpc.max_reconnect_backoff_ms": 1000,
};

export function connect<S extends ServiceDefinition>(definition: S, socketPath: string, options: ConnectOptions = {}): ServiceClient<S> {
  const client = new Client(`unix:${socketPath}`, credentials.createInsecure(), CHANNEL_OPTIONS);
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;
  const out: Record<string, unknown> = {
    ready: (timeoutMs = defaultTimeoutMs) =>
      new Promise<void>((resolve, reject) => {
        client.waitForReady(Date.now() + timeoutMs, (error) =>
          error ? reject(unavailable(`${definition.name} is not answering on ${socketPath} after ${timeoutMs} ms: is it running?`, error)) : resolve(),
        );
      }),
    close: () => client.close(),
  };
  for (const [key, method] of Object.entries(definition.methods)) {
    out[key] = methodCaller(client, definition, method, { timeoutMs: defaultTimeoutMs, failFast: options.failFast ?? false }, socketPath);
  }
  return out as ServiceClient<S>;
}

/** How long a fail-fast call waits for a channel that is reconnecting to a socket that is there. */
const RECONNECT_GRACE_MS = 1500;

/**
 * A fail-fast call fails at once when the component is down. But a channel also sits in its
 * reconnect backoff (up to 1 s) for a while after the component came back, its socket there
 * again: a call then would fail though the component answers. When the socket is there and the
 * channel is between attempts, the call waits (up to RECONNECT_GRACE_MS) for it to connect
 * first; nothing was sent before, so nothing can run twice. No socket: it fails at once.
 */
function reconnected(client: Client, socketPath: string): Promise<void> {
  if (client.getChannel().getConnectivityState(false) !== connectivityState.TRANSIENT_FAILURE || !existsSync(socketPath)) return Promise.resolve();
  return new Promise((resolve) => client.waitForReady(Date.now() + RECONNECT_GRACE_MS, () => resolve()));
}

interface CallDefaults {
  timeoutMs: number;
  failFast: boolean;
}

function callSettings(options: CallOptions | undefined, defaults: CallDefaults) {
  // grpc-js carries wait-for-ready on the metadata: the call waits out connection failures
  // until its deadline instead of failing at once.
  const metadata = new Metadata({ waitForReady: !(options?.failFast ?? defaults.failFast) });
  for (const [key, value] of Object.entries(options?.metadata ?? {})) metadata.set(key, value);
  const timeoutMs = options?.timeoutMs ?? defaults.timeoutMs;
  const grpcOptions: GrpcCallOptions = { deadline: Date.now() + timeoutMs };
  return { metadata, grpcOptions, timeoutMs };
}

function methodCaller(client: Client, service: ServiceDefinition, method: MethodDefinition, defaults: CallDefaults, socketPath: string) {
  const path = methodPath(service, method);
  const name = `${service.name}.${method.name}`;
  const serialize = (value: unknown) => Buffer.from(method.requestType.encode(complete(method.requestType, value as never)).finish());
  const deserialize = (bytes: Buffer) => method.responseType.decode(bytes) as unknown;
  const toError = (error: ServiceError, timeoutMs: number): AiosError => {
    const aios = fromServiceError(error, name);
    // grpc-js says only "Deadline exceeded"; say which call and how long it had.
    if (aios.code === "deadline_exceeded" && !error.details?.includes(" ms")) {
      return deadlineExceeded(`${name} did not answer within ${timeoutMs} ms`);
    }
    // grpc-js reports a socket it could not connect to in its own words; say it in ours.
    const refused = aios.code === "unavailable" ? /connect (E[A-Z]+)/.exec(error.details ?? "") : null;
    if (refused) {
      const why = refused[1] === "ENOENT" ? "no socket there" : refused[1] === "ECONNREFUSED" ? "nothing listening" : refused[1];
      return unavailable(`cannot reach ${service.name} on ${socketPath} (${why}): is it running?`, error);
    }
    return aios;
  };

  if (!method.requestStream && !method.responseStream) {
    return async (request: unknown, options?: CallOptions) => {
      if (options?.failFast ?? defaults.failFast) await reconnected(client, socketPath);
      return new Promise((resolve, reject) => {
        const { metadata, grpcOptions, timeoutMs } = callSettings(options, defaults);
        const call = client.makeUnaryRequest(path, serialize, deserialize, request, metadata, grpcOptions, (error, response) => (error ? reject(toError(error, timeoutMs)) : resolve(response)));
        options?.signal?.addEventListener("abort", () => call.cancel(), { once: true });
      });
    };
  }

  if (!method.requestStream && method.responseStream) {
    return (request: unknown, options?: CallOptions): ResponseStream<unknown> => {
      const { metadata, grpcOptions, timeoutMs } = callSettings(options, defaults);
      const call = client.makeServerStreamRequest(path, serialize, deserialize, request, metadata, grpcOptions);
      let cancelled = false;
      const cancel = () => {
        cancelled = true;
        call.cancel();
      };
      options?.signal?.addEventListener("abort", cancel, { once: true });
      return {
        cancel,
        async *[Symbol.asyncIterator]() {
          try {
            for await (const message of call) yield message;
          } catch (error) {
            if (cancelled) return;
            throw toError(error as ServiceError, timeoutMs);
          } finally {
            if (!cancelled) call.cancel();
          }
        },
      };
    };
  }

  if (method.requestStream && !method.responseStream) {
    return (requests: Iterable<unknown> | AsyncIterable<unknown>, options?: CallOptions) =>
      new Promise((resolve, reject) => {
        const { metadata, grpcOptions, timeoutMs } = callSettings(options, defaults);
        const call = client.makeClientStreamRequest(path, serialize, deserialize, metadata, grpcOptions, (error, response) => (error ? reject(toError(error, timeoutMs)) : resolve(response)));
        options?.signal?.addEventListener("abort", () => call.cancel(), { once: true });
        (async () => {
          for await (const request of requests) {
            if (!call.write(request)) await new Promise((drained) => call.once("drain", drained));
          }
          call.end();
        })().catch((error) => {
          call.cancel();
          reject(error instanceof AiosError ? error : fromServiceError(error as Error, name));
        });
      });
  }

  return () => {
    throw new AiosError("unimplemented", `${name}: bidirectional streaming is not supported by lib/rpc`);
  };
}
