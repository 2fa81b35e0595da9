/**
 * @module lib/console/web/goals
 * The Goals view: the box to give AIOS a goal, the recent goals, and the selected goal with its
 * answer first, then what it waits for, its task graph, its result and its events. The selected
 * goal's events come from its own stream, replayed from the start and then followed.
 */
import { approvalCard } from "./approvals.ts";
import { $, h, report, short, stateBadge, time } from "./dom.ts";
import { api } from "./request.ts";
import { taskGraph } from "./task-graph.ts";
import type { ApprovalJson, EventJson, GoalJson } from "./wire.ts";

let selectedGoal: string | null = null;
let goalEvents: EventJson[] = [];
let goalStream: EventSource | null = null;
let detailTimer = 0;

export async function submitGoal(event: SubmitEvent) {
  event.preventDefault();
  const input = $<HTMLInputElement>("goal-text");
  try {
    const { goal } = await api<{ goal: GoalJson }>("POST", "/api/goals", { text: input.value });
    input.value = "";
    selectGoal(goal.id ?? "");
    await refreshGoals();
  } catch (error) {
    report(error);
  }
}

export async function refreshGoals() {
  const { goals } = await api<{ goals: GoalJson[] }>("GET", "/api/goals?limit=30");
  $("goal-list").replaceChildren(
    ...goals.map((g) => {
      const id = g.id ?? "";
      const li = h("li", { "data-goal": id, class: id === selectedGoal ? "selected" : "" }, stateBadge(short(g.state, "GOAL_STATE_")), g.text ?? "");
      li.addEventListener("click", () => {
        selectGoal(id);
        refreshGoals().catch(report);
      });
      return li;
    }),
  );
  if (selectedGoal) await refreshGoalDetail(selectedGoal);
}

function selectGoal(id: string) {
  if (selectedGoal === id && goalStream) return;
  selectedGoal = id;
  goalStream?.close();
  goalEvents = [];
  const seen = new Set<string>();
  const stream = new EventSource(`/api/events?goalId=${encodeURIComponent(id)}&untilDone=1`);
  goalStream = stream;
  stream.addEventListener("event", (e) => {
    const event = JSON.parse((e as MessageEvent).data) as EventJson;
    // After a dropped connection EventSource resumes from Last-Event-ID; ids keep it exact.
    if (seen.has(event.id ?? "")) return;
    seen.add(event.id ?? "");
    goalEvents.push(event);
    clearTimeout(detailTimer);
    detailTimer = window.setTimeout(() => refreshGoalDetail(id).catch(report), 100);
  });
  // The goal ended: close, or EventSource would reconnect and replay it again.
  stream.addEventListener("end", () => stream.close());
}

async function refreshGoalDetail(id: string) {
  const { goal } = await api<{ goal: GoalJson }>("GET", `/api/goals/${encodeURIComponent(id)}`);
  if (selectedGoal !== id) return;
  const state = short(goal.state, "GOAL_STATE_");
  const detail = $("goal-detail");
  const actions = h("div", { class: "row" });
  if (!["succeeded", "failed", "cancelled"].includes(state)) {
    const cancel = h("button", { class: "quiet" }, "Cancel goal");
    cancel.addEventListener("click", () =>
      api("POST", `/api/goals/${encodeURIComponent(id)}/cancel`, {})
        .then(() => refreshGoalDetail(id))
        .catch(report),
    );
    actions.append(cancel);
  }
  // A goal held for a human shows what it waits for, answerable here without changing tabs.
  const waiting = state === "waiting_approval" ? (await api<{ approvals: ApprovalJson[] }>("GET", `/api/approvals?goalId=${encodeURIComponent(id)}`)).approvals : [];
  if (selectedGoal !== id) return;
  const log = h("ul", { class: "plain events", id: "goal-events" }, ...goalEvents.map((e) => h("li", {}, h("span", { class: "muted" }, time(e.time)), e.message ?? "")));
  const parts: (Node | null)[] = [
    h("h2", {}, "Goal ", stateBadge(state)),
    h("p", { id: "goal-detail-text" }, goal.text ?? ""),
    // The answer first, above the task graph: what the person asked for.
    goal.answer ? h("pre", { class: "answer", id: "goal-answer" }, goal.answer) : null,
    goal.stateReason ? h("p", { class: "muted" }, goal.stateReason) : null,
    actions,
    ...waiting.map((a) => approvalCard(a, () => refreshGoalDetail(id))),
    taskGraph(goal.tasks ?? []),
    goal.result && goal.result !== goal.answer ? h("pre", { class: "result", id: "goal-result" }, goal.result) : null,
    h("h2", {}, "Events"),
    log,
  ];
  detail.replaceChildren(...parts.filter((p): p is Node => p !== null));
  detail.dataset.state = state;
}
