/**
 * @module lib/orchestrator/understanding/names
 * Names that the words around them mark, whatever the word: AIOS's own services in a request
 * about running a service ("stop memory"), the user a permission question is about ("can
 * daemon read X"), "the user www-data", "the web service". Each found name is put in the
 * request as <name>. (Names no example uses are found later, as unknown words.)
 */
import type { Slots } from "./slots.ts";

/** The request with the name it marks replaced by <name>, and slots.name set. */
export function findNames(request: string, slots: Slots): string {
  let text = request;
  // AIOS's own services have names that are also words ("stop memory", "is the gateway
  // running"): a name when the request is about running a service.
  if (slots.name === undefined && SERVICE_TALK.test(text)) {
    const own = OWN_SERVICES.exec(text);
    if (own) {
      slots.name = own[1]!.toLowerCase();
      text = text.replace(own[0], "<name>");
    }
  }
  // "Can daemon read X", "is X writable by deploy": the one asked about is a user, whatever the word.
  const asker =
    /\b(?:can|may|could|does)\s+([a-z_][a-z0-9_-]{0,31})\s+(?=(?:read|write|run|execute|modify|have\s+(?:read|write|execute))\b)|\b(?:readable|writable|writeable)\s+by\s+([a-z_][a-z0-9_-]{0,31})\b/i.exec(
      text,
    );
  const askerName = asker ? (asker[1] ?? asker[2])! : "";
  if (slots.name === undefined && asker && !/^(?:you|i|we|they|he|she|it|anyone|everyone|someone|somebody|everybody|all|the|a|this|that|root's)$/i.test(askerName)) {
    slots.name = askerName.toLowerCase();
    text = text.replace(asker[0], asker[1] !== undefined ? asker[0].replace(asker[1], "<name>") : asker[0].replace(asker[2]!, "<name>"));
  }
  // "The user daemon", "account www-data": a user's name, even when it is also a word.
  const user = /\bthe\s+(?:user|account)\s+([a-z_][a-z0-9_-]{0,31})\b|\buser\s+(?:named|called)\s+([a-z_][a-z0-9_-]{0,31})\b/i.exec(text);
  const userName = user ? (user[1] ?? user[2])! : "";
  if (slots.name === undefined && user && !NOT_NAMES.has(userName.toLowerCase()) && !/^(?:accounts?|names?|ids?|list|exist\w*|can|has|have|is|shell|home|groups?|runs?|running)$/i.test(userName)) {
    slots.name = userName.toLowerCase();
    text = text.replace(user[0], "the user <name>");
  }
  // A name the words around it mark as one: "the web service", "service web", "aios-tools".
  const cue = /\b(?:the\s+)?([a-z][a-z0-9_.@-]{0,62})\s+(?:service|daemon|unit)\b|\b(?:service|daemon|unit)\s+([a-z][a-z0-9_.@-]{0,62})\b|\b(aios-[a-z]+)\b/i.exec(text);
  const cued = cue ? (cue[1] ?? cue[2] ?? cue[3])!.toLowerCase() : undefined;
  if (cue && cued && !NOT_NAMES.has(cued)) {
    slots.name = cued;
    text = text.replace(cue[0], cue[3] ? "<name>" : cue[1] ? "<name> service" : "service <name>");
  }
  return text;
}

// "the most memory", "all the memory" are an amount of memory, not the service.
const OWN_SERVICES =
  /(?<!\b(?:most|all|all the|top|much|of|free|used|available|total|more|less)\s+)\b(memory|gateway|tools|orchestrator|console|sshd|shell|init)\b(?!\s+(?:usage|use|used|free|left|consumers?|hogs?))/i;
const SERVICE_TALK = /\b(?:start|stop|restart|reload|bounce|kick|status|running|runs|up|down|alive|dead|logs?|errors?|fail\w*|crash\w*|broken|wrong|happened|shut)\b/i;

/** Words before or after "service" that are not a service's name. */
const NOT_NAMES = new Set([
  "the",
  "a",
  "an",
  "this",
  "that",
  "which",
  "what",
  "each",
  "every",
  "all",
  "any",
  "some",
  "my",
  "our",
  "its",
  "their",
  "no",
  "one",
  "running",
  "failed",
  "failing",
  "stopped",
  "dead",
  "broken",
  "is",
  "are",
  "was",
  "status",
  "list",
  "logs",
  "log",
  "errors",
  "other",
  "system",
  "web-facing",
  "network",
  "to",
  "for",
  "of",
  "in",
  "on",
  "and",
  "or",
  "restart",
  "start",
  "stop",
  "reload",
  "each",
]);
