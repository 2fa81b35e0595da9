/**
 * @module lib/rpc
 * gRPC between AIOS components: generated contracts, servers on Unix sockets with health and
 * call logging, promise clients with deadlines, and one error type mapped to gRPC statuses.
 */
export * from "./errors.ts";
export { complete, type DeepPartial, type ServiceDefinition } from "./definition.ts";
export { type CallContext, type Handlers, implement, type ServiceImplementation } from "./handlers.ts";
export { HealthState, ServingStatus } from "./health.ts";
export { type RunningServer, type ServeOptions, serve } from "./server.ts";
export { type CallOptions, type ConnectOptions, connect, type ResponseStream, type ServiceClient } from "./client.ts";
export { cursorToken, pageCursor, pageLimit, pageOffset, parseRequest } from "./validate.ts";
export { HealthDefinition } from "./gen/grpc/health/v1/health.ts";
export { type ComponentContext, type ComponentSpec, EXIT_CONFIG, EXIT_USAGE, runComponent, runComponents } from "./component.ts";
export { AsyncQueue } from "./async-queue.ts";
export { canConnect } from "./socket.ts";
export { enumName, enumValue } from "./enums.ts";
export { decideApproval } from "./decide.ts";
export type { Caller, Peer } from "./peer.ts";
export { AUTHORIZATION } from "./authorization.ts";
