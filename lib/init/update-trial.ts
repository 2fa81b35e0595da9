/**
 * @module lib/init/update-trial
 * aios-init's part in an A/B update (lib/update). On a slot GRUB boots on trial (aios.trial=1)
 * it confirms the slot when every critical service is ready (GRUB's `slot` set to it) or, when
 * a critical service fails or nothing is ready in time, records why and reboots: GRUB cleared
 * `trial` before this boot, so the next one is the old slot's. On any boot it reads the
 * update's record and says what became of the last update.
 */
import type { Slot } from "../update/layout.ts";
import { grubEnvPath, mountBootPartition, readUpdateState, updateGrubEnv, type UpdateState, writeUpdateState } from "../update/slots.ts";
import type { SystemHealthName } from "./supervisor.ts";

export const TRIAL_TIMEOUT_MS = 10 * 60_000;

export interface TrialDeps {
  stateDir: string;
  slot: Slot | null;
  onTrial: boolean;
  say: (line: string) => void;
  reboot: (reason: string) => void;
  /** Applies GRUB's environment (the real boot partition unless a test gives its own). */
  setGrubSlot?: (slot: Slot) => void;
  timeoutMs?: number;
}

export class UpdateTrial {
  private settled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: TrialDeps) {}

  private record(state: UpdateState | undefined, change: Partial<UpdateState>): void {
    if (!state) return;
    writeUpdateState(this.deps.stateDir, { ...state, ...change, at: new Date().toISOString() });
  }

  /** At boot, once the data disk is mounted: what became of the last update, and the trial's clock. */
  atBoot(): void {
    const { slot, onTrial, say } = this.deps;
    if (!slot) return;
    const state = readUpdateState(this.deps.stateDir);
    if (onTrial) {
      say(`update: slot ${slot}${state ? ` (${state.version})` : ""} on trial: it is kept once every critical service is ready, else the next boot is slot ${slot === "a" ? "b" : "a"} again`);
      this.timer = setTimeout(
        () => this.fail(`not every critical service was ready ${Math.round((this.deps.timeoutMs ?? TRIAL_TIMEOUT_MS) / 60_000)} minutes after boot`),
        this.deps.timeoutMs ?? TRIAL_TIMEOUT_MS,
      );
      return;
    }
    if (!state || state.to === slot) return;
    if (state.state === "trial" || state.state === "failed") {
      const reason = state.state === "failed" ? state.reason : `slot ${state.to} did not confirm itself: it did not boot, or did not get as far as aios-init`;
      this.record(state, { state: "rolled-back", reason });
      say(`update: the update to ${state.version} was rolled back: ${reason}. This is slot ${slot} (${state.previous_version}) again; aiosctl update status says more`);
    }
  }

  /** Told of every change of the system's health. */
  onHealth(health: SystemHealthName, reasons: readonly string[]): void {
    if (!this.deps.onTrial || this.settled || !this.deps.slot) return;
    if (health === "ok") this.confirm();
    else if (health === "degraded") this.fail(reasons.join("; "));
  }

  /** On a trial boot: gives it up (recorded, rebooted into the previous slot) and says true; else false. */
  abandon(reason: string): boolean {
    if (!this.deps.onTrial || !this.deps.slot) return false;
    this.fail(reason);
    return true;
  }

  private confirm(): void {
    this.settled = true;
    clearTimeout(this.timer);
    const slot = this.deps.slot!;
    try {
      (this.deps.setGrubSlot ?? ((s: Slot) => updateGrubEnv(grubEnvPath(mountBootPartition()), { slot: s, trial: "" })))(slot);
    } catch (error) {
      this.deps.say(`update: could not make slot ${slot} the machine's (${(error as Error).message}): the next boot is the old slot's`);
      return;
    }
    const state = readUpdateState(this.deps.stateDir);
    this.record(state, { state: "confirmed", reason: "" });
    this.deps.say(`update: confirmed: slot ${slot}${state ? ` (${state.version})` : ""} is this machine's now`);
  }

  private fail(reason: string): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const state = readUpdateState(this.deps.stateDir);
    this.record(state, { state: "failed", reason });
    this.deps.say(`update: the trial of slot ${this.deps.slot} failed: ${reason}. Rebooting into the previous slot`);
    this.deps.reboot(`the trial of slot ${this.deps.slot} failed`);
  }
}
