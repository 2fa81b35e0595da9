/**
 * @module lib/rpc/enums
 * Generated proto enums in the words people type and read: GOAL_STATE_WAITING_APPROVAL is
 * "waiting_approval". The CLI prints them so, and the console's API takes them so.
 */

/** 5, GoalState, "GOAL_STATE_" → "succeeded" (the number itself when the value is unknown). */
export const enumName = (value: number, names: Record<number, string>, prefix: string): string => (names[value] ?? String(value)).replace(prefix, "").toLowerCase();

/** GoalState, "GOAL_STATE_", "succeeded" → 5. The name must be one of the enum's (callers validate it first). */
export const enumValue = <E extends Record<string, string | number>>(names: E, prefix: string, name: string): number => names[`${prefix}${name.toUpperCase()}` as keyof E] as number;
