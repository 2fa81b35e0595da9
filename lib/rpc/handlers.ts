/**
 * @module lib/rpc/handlers
 * Turns async handlers into grpc-js handlers. A handler returns a (partial) response or
 * throws an AiosError; this module completes responses, maps errors to statuses, and aborts
 * the handler's signal when the client cancels or the deadline passes. A method without a
 * handler answers UNIMPLEMENTED, naming the component and the method.
 */
import type {
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedHandleCall,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Logger } from "../log/index.ts";
import { complete, type DeepPartial, type MethodDefinition, type RequestOf, type ResponseOf, type ServiceDefinition } from "./definition.ts";
import { peerFromMetadata } from "./authorize.ts";
import { fallbackStatus, toStatus, unimplemented } from "./errors.ts";
import type { Peer } from "./peer.ts";

export interface CallContext {
  /** Aborted when the client cancels or the deadline passes: stop work and return. */
  readonly signal: AbortSignal;
  /** The call's deadline, if the client set one. */
  readonly deadline: Date | undefined;
  readonly metadata: Metadata;
  /** "/aios.v1.ToolsService/Execute" */
  readonly method: string;
  readonly log: Logger;
  /** Who is calling, from the kernel (SO_PEERCRED) and aios-init's records: never from the request. */
  readonly peer: Peer;
}

type Awaitable<T> = T | Promise<T>;

export type Handler<M> = M extends { requestStream: false; responseStream: false }
  ? (request: RequestOf<M>, ctx: CallContext) => Awaitable<DeepPartial<ResponseOf<M>>>
  : M extends { requestStream: false; responseStream: true }
    ? (request: RequestOf<M>, ctx: CallContext) => AsyncIterable<DeepPartial<ResponseOf<M>>>
    : M extends { requestStream: true; responseStream: false }
      ? (requests: AsyncIterable<RequestOf<M>>, ctx: CallContext) => Awaitable<DeepPartial<ResponseOf<M>>>
      : never;

/** Handlers for some or all methods of a service; the rest answer UNIMPLEMENTED. */
export type Handlers<S extends ServiceDefinition> = {
  [K in keyof S["methods"]]?: Handler<S["methods"][K]>;
};

export interface ServiceImplementation {
  readonly definition: ServiceDefinition;
  readonly handlers: Readonly<Record<string, unknown>>;
}

/** Pairs a generated definition with its handlers, type-checked against each other. */
export function implement<S extends ServiceDefinition>(definition: S, handlers: Handlers<S>): ServiceImplementation {
  return { definition, handlers };
}

type AnyCall = ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown> | ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;

function contextFor(call: AnyCall, method: string, log: Logger): { ctx: CallContext; done: () => void } {
  const controller = new AbortController();
  const onCancel = () => controller.abort(new Error("the call was cancelled or its deadline passed"));
  // Every kind of server call is an EventEmitter that emits "cancelled".
  const emitter = call as unknown as NodeJS.EventEmitter;
  emitter.on("cancelled", onCancel);
  const rawDeadline = call.getDeadline();
  const deadline = rawDeadline instanceof Date ? rawDeadline : Number.isFinite(rawDeadline) ? new Date(rawDeadline) : undefined;
  const ctx: CallContext = { signal: controller.signal, deadline, metadata: call.metadata, method, log, peer: peerFromMetadata(call.metadata) };
  return { ctx, done: () => emitter.off("cancelled", onCancel) };
}

export function toGrpcImplementation(implementation: ServiceImplementation, component: string, log: Logger): UntypedServiceImplementation {
  const { definition, handlers } = implementation;
  const out: Record<string, UntypedHandleCall> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    const path = `/${definition.fullName}/${method.name}`;
    const handler = handlers[key] as ((...args: never[]) => unknown) | undefined;
    const callLog = log.child({ method: path });
    out[key] = handler ? adapt(method, handler, path, component, callLog) : notImplemented(method, `${component} does not implement ${definition.name}.${method.name} yet`, component);
  }
  return out;
}

function adapt(method: MethodDefinition, handler: (...args: never[]) => unknown, path: string, component: string, log: Logger): UntypedHandleCall {
  const fail = (error: unknown) => {
    const status = toStatus(error, component);
    if (status.code === 13) log.error("call failed with an internal error", { err: error });
    return status;
  };
  // Sending the status is guarded too: a throw there happens outside the handler, where
  // nothing catches it and the process would end.
  const send = (deliver: (status: ReturnType<typeof fail>) => void, error: unknown) => {
    try {
      deliver(fail(error));
    } catch (sendError) {
      log.error("could not send a call's error status", { err: sendError, cause: error });
      try {
        deliver(fallbackStatus(component));
      } catch {
        // The call is gone (its stream closed): nothing is left to answer.
      }
    }
  };

  if (!method.requestStream && !method.responseStream) {
    const unary: handleUnaryCall<unknown, unknown> = (call, callback) => {
      const { ctx, done } = contextFor(call, path, log);
      Promise.resolve()
        .then(() => (handler as (r: unknown, c: CallContext) => unknown)(call.request, ctx))
        .then((response) => callback(null, complete(method.responseType, response as never)))
        .catch((error) => send((status) => callback(status), error))
        .finally(done);
    };
    return unary;
  }

  if (!method.requestStream && method.responseStream) {
    const serverStreaming: handleServerStreamingCall<unknown, unknown> = (call) => {
      const { ctx, done } = contextFor(call, path, log);
      (async () => {
        const responses = (handler as (r: unknown, c: CallContext) => AsyncIterable<unknown>)(call.request, ctx);
        for await (const response of responses) {
          if (ctx.signal.aborted) break;
          // Respect backpressure: a slow reader must not make the server buffer without bound.
          if (!call.write(complete(method.responseType, response as never))) {
            await new Promise<void>((resolve) => {
              const resume = () => {
                call.off("drain", resume);
                ctx.signal.removeEventListener("abort", resume);
                resolve();
              };
              call.on("drain", resume);
              ctx.signal.addEventListener("abort", resume);
            });
          }
        }
      })()
        .then(
          () => {
            if (!ctx.signal.aborted) call.end();
          },
          (error) => {
            if (!ctx.signal.aborted) send((status) => call.emit("error", status), error);
          },
        )
        .finally(done);
    };
    return serverStreaming;
  }

  if (method.requestStream && !method.responseStream) {
    const clientStreaming: handleClientStreamingCall<unknown, unknown> = (call, callback) => {
      const { ctx, done } = contextFor(call, path, log);
      Promise.resolve()
        .then(() => (handler as (r: AsyncIterable<unknown>, c: CallContext) => unknown)(call, ctx))
        .then((response) => callback(null, complete(method.responseType, response as never)))
        .catch((error) => send((status) => callback(status), error))
        .finally(done);
    };
    return clientStreaming;
  }

  return notImplemented(method, `${path}: bidirectional streaming is not supported by lib/rpc`, component);
}

function notImplemented(method: MethodDefinition, message: string, component: string): UntypedHandleCall {
  const status = () => toStatus(unimplemented(message), component);
  if (method.responseStream) {
    return ((call: ServerWritableStream<unknown, unknown>) => call.emit("error", status())) as UntypedHandleCall;
  }
  return ((_call: unknown, callback: (error: unknown) => void) => callback(status())) as UntypedHandleCall;
}
