/**
 * @module lib/rpc/definition
 * The shape of the service definitions ts-proto generates (outputServices=generic-definitions),
 * typed so that servers and clients built from one definition agree on every message.
 */
import type { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import type { ServiceDefinition as GrpcServiceDefinition, MethodDefinition as GrpcMethodDefinition } from "@grpc/grpc-js";

export interface MessageType<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  fromPartial(object: never): T;
}

export interface MethodDefinition {
  readonly name: string;
  readonly requestType: MessageType<any>;
  readonly requestStream: boolean;
  readonly responseType: MessageType<any>;
  readonly responseStream: boolean;
}

export interface ServiceDefinition {
  readonly name: string;
  readonly fullName: string;
  readonly methods: Readonly<Record<string, MethodDefinition>>;
}

export type RequestOf<M> = M extends { requestType: MessageType<infer R> } ? R : never;
export type ResponseOf<M> = M extends { responseType: MessageType<infer R> } ? R : never;

type Builtin = Date | Function | Uint8Array | string | number | boolean | undefined;

/** A message where every field may be left out; missing fields take proto3 defaults. */
export type DeepPartial<T> = T extends Builtin
  ? T
  : T extends Array<infer U>
    ? Array<DeepPartial<U>>
    : T extends ReadonlyArray<infer U>
      ? ReadonlyArray<DeepPartial<U>>
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : Partial<T>;

/** Completes a partial message with proto3 defaults. */
export function complete<T>(type: MessageType<T>, partial: DeepPartial<T> | T): T {
  return type.fromPartial(partial as never);
}

/** "/aios.v1.ToolsService/Execute" */
export function methodPath(service: ServiceDefinition, method: MethodDefinition): string {
  return `/${service.fullName}/${method.name}`;
}

/** The same definition in the form @grpc/grpc-js registers and calls. */
export function toGrpcDefinition(service: ServiceDefinition): GrpcServiceDefinition {
  const out: Record<string, GrpcMethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(service.methods)) {
    out[key] = {
      path: methodPath(service, method),
      originalName: key,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestSerialize: (value) => Buffer.from(method.requestType.encode(value).finish()),
      requestDeserialize: (bytes: Buffer) => method.requestType.decode(bytes),
      responseSerialize: (value) => Buffer.from(method.responseType.encode(value).finish()),
      responseDeserialize: (bytes: Buffer) => method.responseType.decode(bytes),
    };
  }
  return out;
}
