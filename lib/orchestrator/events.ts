/**
 * @module lib/orchestrator/events
 * Every state change of a goal or task, every tool and model call and approval is an event:
 * written to the store first (its row id is the event id a client resumes from), then handed
 * to live StreamEvents subscribers, then reported to aios-memory in the background (PushEvents,
 * in batches; memory being down delays the report, it never blocks a goal).
 */
import type { Logger } from "../log/index.ts";
import { Severity } from "../rpc/gen/aios/v1/common.ts";
import type { MemoryEvent, MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import { EventKind } from "../rpc/gen/aios/v1/orchestrator.ts";
import type { ServiceClient } from "../rpc/index.ts";
import type { EventRow, OrchestratorStore } from "./store.ts";

export type NewEvent = Partial<Omit<EventRow, "id" | "time" | "kind">> & { kind: EventKind; message: string };

const MEMORY_BACKLOG = 5000;
/** Events a PushEvents call carries at most (memory's own limit is 500). */
const PUSH_BATCH = 200;
const EVENT_TYPE: Record<number, string> = {
  [EventKind.EVENT_KIND_GOAL_STATE]: "goal.state",
  [EventKind.EVENT_KIND_GOAL_PLANNED]: "goal.planned",
  [EventKind.EVENT_KIND_TASK_STATE]: "task.state",
  [EventKind.EVENT_KIND_TOOL_CALLED]: "tool.called",
  [EventKind.EVENT_KIND_TOOL_RESULT]: "tool.result",
  [EventKind.EVENT_KIND_MODEL_CALLED]: "model.called",
  [EventKind.EVENT_KIND_APPROVAL_REQUESTED]: "approval.requested",
  [EventKind.EVENT_KIND_APPROVAL_RESOLVED]: "approval.resolved",
  [EventKind.EVENT_KIND_AGENT_MESSAGE]: "agent.message",
  [EventKind.EVENT_KIND_SYSTEM]: "system",
};

export class EventLog {
  private readonly subscribers = new Set<(event: EventRow) => void>();
  private readonly backlog: EventRow[] = [];
  private flushing = false;
  private closed = false;

  constructor(
    private readonly store: OrchestratorStore,
    private readonly memory: ServiceClient<typeof MemoryServiceDefinition>,
    private readonly log: Logger,
  ) {}

  /**
   * Writes the event and announces it once it is committed: at once outside a transaction;
   * inside one (with the change it tells of), when that transaction commits.
   */
  emit(event: NewEvent, severity: Severity = Severity.SEVERITY_INFO): EventRow {
    return this.announce(this.record(event), severity);
  }

  private record(event: NewEvent): EventRow {
    return this.store.appendEvent({
      time: Date.now(),
      kind: event.kind,
      goalId: event.goalId ?? "",
      taskId: event.taskId ?? "",
      actorKind: event.actorKind ?? "system",
      actorId: event.actorId ?? "aios-orchestrator",
      causeId: event.causeId ?? "",
      message: event.message,
      goalState: event.goalState ?? 0,
      taskState: event.taskState ?? 0,
      data: event.data ?? {},
    });
  }

  /**
   * Makes a change and writes its event in one store commit (one fsync, not two), then
   * announces the event: nobody hears of a change the disk does not hold.
   */
  emitWith(change: () => void, event: NewEvent, severity: Severity = Severity.SEVERITY_INFO): EventRow {
    const write = () => {
      change();
      return this.record(event);
    };
    // Inside a caller's transaction (a scheduling step) the two writes are part of its one
    // commit already; a savepoint of their own would cost two statements and change nothing.
    const row = this.store.db.inTransaction ? write() : this.store.transaction(write);
    return this.announce(row, severity);
  }

  /**
   * Hands a recorded event to live subscribers and, in the background, to aios-memory; inside a
   * store transaction, once it commits (a scheduling step writes several changes in one).
   */
  private announce(row: EventRow, severity: Severity = Severity.SEVERITY_INFO): EventRow {
    this.store.afterCommit(() => {
      for (const subscriber of this.subscribers) subscriber(row);
      if (this.backlog.length < MEMORY_BACKLOG) this.backlog.push({ ...row, data: { ...row.data, severity } });
      void this.flush();
    });
    return row;
  }

  /** Calls back for every event from now on; returns the unsubscribe function. */
  subscribe(callback: (event: EventRow) => void): () => void {
    this.subscribers.add(callback);
    return () => this.subscribers.delete(callback);
  }

  /** Stops copying to memory (the events stay in the store); a retry loop would keep the process alive. */
  close(): void {
    this.closed = true;
  }

  /**
   * Sends the backlog to aios-memory in order, as many events a call as have gathered (up to
   * PUSH_BATCH): a goal's dozen events cost one or two calls, not a dozen, which the other
   * processes on a small machine feel. A refused or failed call is tried again in 2 s.
   */
  private async flush(): Promise<void> {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    try {
      while (this.backlog.length && !this.closed) {
        const batch = this.backlog.slice(0, PUSH_BATCH);
        try {
          await this.memory.pushEvents({ events: batch.map(toMemoryEvent) }, { timeoutMs: 5000 });
          this.backlog.splice(0, batch.length);
        } catch (error) {
          this.log.debug("memory did not take events; retrying later", { events: batch.length, error: (error as Error).message });
          await Bun.sleep(2000);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

function toMemoryEvent(event: EventRow): MemoryEvent {
  const { severity, ...data } = event.data as { severity: Severity } & Record<string, unknown>;
  return {
    id: "",
    time: new Date(event.time),
    source: "aios-orchestrator",
    type: EVENT_TYPE[event.kind] ?? "system",
    severity,
    message: event.message,
    data: { ...data, event_id: String(event.id) },
    goalId: event.goalId,
    taskId: event.taskId,
    security: false,
  };
}
