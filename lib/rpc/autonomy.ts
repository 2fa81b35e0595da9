/**
 * @module lib/rpc/autonomy
 * The autonomy levels by name, in one place: how much AIOS may do without asking a person
 * (manual: only what cannot harm; supervised: all but high and critical risk; autonomous: all
 * but critical), and their values in the contracts (common.proto AutonomyLevel).
 */
import { AutonomyLevel } from "./gen/aios/v1/common.ts";

export const AUTONOMY_NAMES = ["manual", "supervised", "autonomous"] as const;
export type AutonomyName = (typeof AUTONOMY_NAMES)[number];

export const AUTONOMY_LEVEL: Readonly<Record<AutonomyName, AutonomyLevel>> = {
  manual: AutonomyLevel.AUTONOMY_LEVEL_MANUAL,
  supervised: AutonomyLevel.AUTONOMY_LEVEL_SUPERVISED,
  autonomous: AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS,
};

/** The name of a level; undefined for UNSPECIFIED or a value no level has. */
export const autonomyName = (level: AutonomyLevel): AutonomyName | undefined => AUTONOMY_NAMES.find((name) => AUTONOMY_LEVEL[name] === level);
