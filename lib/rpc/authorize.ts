/**
 * @module lib/rpc/authorize
 * A grpc-js server interceptor that names the caller from the kernel (lib/rpc/peer), refuses
 * a method the authorization table does not give it (PERMISSION_DENIED, before the request is
 * read), and hands the caller to the handler in the `x-aios-peer` metadata entry, replacing
 * whatever the client put there. The peer is worked out once per connection.
 */
import { Metadata, type ServerInterceptor, ServerInterceptingCall, status as Status } from "@grpc/grpc-js";
import type { Logger } from "../log/index.ts";
import { type ExtraAuthorization, refusal } from "./authorization.ts";
import { connectionOf, identifyPeer, type Peer } from "./peer.ts";

export const PEER_METADATA_KEY = "x-aios-peer";

export function authorizer(groupDir: string, log: Logger, extra: ExtraAuthorization = {}): ServerInterceptor {
  const peers = new WeakMap<object, Peer>();
  const peerOf = (call: unknown): Peer => {
    const connection = connectionOf(call);
    if (!connection) return { caller: "unknown", pid: 0, uid: -1 };
    let peer = peers.get(connection.session);
    if (!peer) {
      try {
        peer = identifyPeer(connection.fd, groupDir);
      } catch (error) {
        log.warn("could not identify a caller; it may only read status", { err: error });
        peer = { caller: "unknown", pid: 0, uid: -1 };
      }
      peers.set(connection.session, peer);
    }
    return peer;
  };
  return (methodDescriptor, call) => {
    const method = methodDescriptor.path;
    return new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata: Metadata, pass) => {
            const peer = peerOf(call);
            const why = refusal(method, peer.caller, extra);
            if (why) {
              log.warn("refused a caller the authorization table does not allow", { method, caller: peer.caller, pid: peer.pid, uid: peer.uid });
              call.sendStatus({ code: Status.PERMISSION_DENIED, details: `${why} (pid ${peer.pid})`, metadata: new Metadata() });
              return;
            }
            metadata.set(PEER_METADATA_KEY, JSON.stringify(peer));
            pass(metadata);
          },
        });
      },
    });
  };
}

/** The caller the interceptor recorded for this call. */
export function peerFromMetadata(metadata: Metadata): Peer {
  const raw = metadata.get(PEER_METADATA_KEY)[0];
  if (typeof raw === "string") {
    try {
      return JSON.parse(raw) as Peer;
    } catch {
      // fall through: not ours
    }
  }
  return { caller: "unknown", pid: 0, uid: -1 };
}
