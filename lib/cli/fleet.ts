/**
 * @module lib/cli/fleet
 * The fleet from the command line, through this machine's aios-fleet:
 *   aiosctl fleet ls [SELECTOR]      the machines, their labels, health, version, approvals
 *   aiosctl fleet status             this machine's link to the fleet and its public key
 *   aiosctl fleet goal ID            what each machine answered to a fleet goal (after the fact)
 *   aiosctl fleet audit NAME         NAME's audit ledger as copied to the fleet: whole and linked?
 *   aiosctl fleet approve|deny NAME ID   answer an approval NAME waits on (NAME's remote_approvals)
 *   aiosctl goal --on SELECTOR TEXT  a goal to every machine the labels select (or --machine NAME),
 *                                    followed until each has answered: a table per machine
 */
import { FleetServiceDefinition, type FleetGoalResult, GetFleetGoalResponse, GetFleetStatusResponse, ListMachinesResponse, VerifyFleetAuditResponse } from "../rpc/gen/aios/v1/fleet.ts";
import type { ServiceClient } from "../rpc/index.ts";
import { json, runCommand, usageError } from "./command.ts";

/** Another machine's words, as they are printed here: no control characters (a terminal's escapes). */
const printable = (text: string) => text.replace(/\p{Cc}/gu, " ");

const spec = (name: string, usage: string, summary: string, flags = {}) => ({ name, usage, summary, flags, component: "fleet", service: FleetServiceDefinition, timeoutMs: 30_000 });

export function fleetCommand(argv: readonly string[]): Promise<number> {
  const usage = "aiosctl fleet ls [SELECTOR] | status | goal ID | audit NAME | approve|deny NAME APPROVAL_ID";
  const flags = { note: { type: "string" as const, help: "approve/deny: why, for the record" } };
  return runCommand(argv, spec("fleet", usage, "the fleet of AIOS machines this one belongs to ([fleet] in aios.toml)", flags), async (c, { positionals, values }) => {
    const [action, argument, ...extra] = positionals;
    if ((action === "approve" || action === "deny") && argument && extra.length === 1) {
      const person = process.env.SUDO_USER || process.env.USER || "root";
      const { fleetGoalId } = await c.decideFleetApproval({ machine: argument, approvalId: extra[0]!, approve: action === "approve", note: String(values.note ?? ""), decidedBy: `human:${person}` });
      if (!values.json) process.stdout.write(`answer sent to ${argument} (${fleetGoalId})\n`);
      return follow(c, fleetGoalId, Boolean(values.json));
    }
    if (action === "status" && !argument) {
      const status = await c.getFleetStatus({});
      if (values.json) json(GetFleetStatusResponse.toJSON(status));
      else
        process.stdout.write(
          [
            `machine:    ${status.name}`,
            `labels:     ${
              Object.entries(status.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(",") || "(none)"
            }`,
            `connected:  ${status.connected ? `yes, to ${status.server}` : `no${status.error ? ` (${status.error})` : ""}`}`,
            `public key: ${status.publicKey}   (other machines list it in [fleet] trusted_keys to run the goals this one sends)`,
            "",
          ].join("\n"),
        );
      return status.connected ? 0 : 1;
    }
    if ((action === "ls" || action === "list") && extra.length === 0) {
      const listed = await c.listMachines({ selector: argument ?? "" });
      if (values.json) json(ListMachinesResponse.toJSON(listed));
      else if (listed.machines.length === 0) process.stdout.write("no machines\n");
      else {
        const rows = listed.machines.map((m) => [
          m.name,
          m.reachable ? m.health : "unreachable",
          printable(
            Object.entries(m.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(","),
          ) || "-",
          printable(m.version),
          printable(m.autonomy) || "-",
          String(m.pendingApprovals),
          m.load1.toFixed(2),
          m.lastSeen ? `${Math.round((Date.now() - m.lastSeen.getTime()) / 1000)} s ago` : "-",
        ]);
        process.stdout.write(table(["MACHINE", "HEALTH", "LABELS", "VERSION", "AUTONOMY", "APPROVALS", "LOAD", "SEEN"], rows));
        // What each machine waits on, and whether it may be answered from here.
        for (const m of listed.machines.filter((m) => m.approvals.length)) {
          const how = m.remoteApprovals ? `aiosctl fleet approve ${m.name} ID` : `answered on ${m.name} only`;
          process.stdout.write(`\n${m.name} waits on (${how}):\n${m.approvals.map((a) => `  ${printable(a)}\n`).join("")}`);
        }
      }
      return 0;
    }
    if (action === "goal" && argument && extra.length === 0) {
      const answer = await c.getFleetGoal({ fleetGoalId: argument });
      if (values.json) json(GetFleetGoalResponse.toJSON(answer));
      else process.stdout.write(resultsTable(answer.results));
      return answer.done && answer.results.every((r) => r.state === "succeeded") ? 0 : 1;
    }
    if (action === "audit" && argument && extra.length === 0) {
      const verdict = await c.verifyFleetAudit({ machine: argument });
      if (values.json) json(VerifyFleetAuditResponse.toJSON(verdict));
      else
        process.stdout.write(
          verdict.ok
            ? `${verdict.machine}'s audit ledger in the fleet: ${verdict.entriesChecked} entries, whole and linked; newest ${verdict.lastSeq}:${verdict.lastHash}\n`
            : `${verdict.machine}'s audit ledger in the fleet is BROKEN at entry ${verdict.firstBrokenSeq}: ${verdict.reason}\n`,
        );
      return verdict.ok ? 0 : 1;
    }
    return usageError("fleet", usage);
  });
}

/** `aiosctl goal --on SELECTOR TEXT` and `--machine NAME`: sent, then followed until every machine answered. */
export function fleetGoalCommand(argv: readonly string[]): Promise<number> {
  const flags = {
    on: { type: "string" as const, help: "a label selector: every reachable machine with these labels (role=web,site=lab)" },
    machine: { type: "string" as const, help: "or one machine of the fleet by name" },
    "no-follow": { type: "boolean" as const, help: "print the fleet goal's id and return (aiosctl fleet goal ID later)" },
  };
  return runCommand(
    argv,
    spec("goal", 'aiosctl goal --on SELECTOR "TEXT" | --machine NAME "TEXT"', "send a goal to machines of the fleet and show each one's answer", flags),
    async (c, { positionals, values }) => {
      const text = positionals.join(" ").trim();
      if (!text) return usageError("goal", 'say what to do: aiosctl goal --on role=web "restart nginx"');
      const sent = await c.sendFleetGoal({ text, selector: String(values.on ?? ""), machine: String(values.machine ?? "") });
      if (!values.json) process.stdout.write(`fleet goal ${sent.fleetGoalId} sent to ${sent.machines.join(", ")}\n`);
      if (values["no-follow"]) {
        if (values.json) json(sent);
        return 0;
      }
      return follow(c, sent.fleetGoalId, Boolean(values.json));
    },
  );
}

async function follow(c: ServiceClient<typeof FleetServiceDefinition>, id: string, asJson: boolean): Promise<number> {
  let said = "";
  for (;;) {
    const answer = await c.getFleetGoal({ fleetGoalId: id });
    const now = answer.results.map((r) => `${r.machine}:${r.state}`).join(" ");
    if (!asJson && now !== said && !answer.done) process.stdout.write(`  ${now}\n`);
    said = now;
    if (answer.done) {
      if (asJson) json(GetFleetGoalResponse.toJSON(answer));
      else process.stdout.write(resultsTable(answer.results));
      return answer.results.every((r) => r.state === "succeeded") ? 0 : 1;
    }
    await Bun.sleep(1000);
  }
}

function resultsTable(results: readonly FleetGoalResult[]): string {
  return table(
    ["MACHINE", "STATE", "ANSWER"],
    results.map((r) => [r.machine, r.state, printable(r.answer).replace(/\s+/g, " ").slice(0, 200) || "-"]),
  );
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `${cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")}\n`;
  return line(head) + rows.map(line).join("");
}
