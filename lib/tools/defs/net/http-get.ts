import * as v from "valibot";
import { defineTool } from "../../registry.ts";

export const netHttpGet = defineTool({
  name: "net.http_get",
  description: "GET an http(s) URL with a time limit and a size cap: status, headers and the start of the body (cut at the cap, and said so).",
  input: v.strictObject({
    url: v.pipe(
      v.string(),
      v.url("must be a URL"),
      v.regex(/^https?:\/\//, "must be an http or https URL"),
      v.maxLength(4096),
      // "http://127.0.0.1:1@evil/" matches a glob for 127.0.0.1 by its text but goes to evil.
      v.check((url) => !URL.canParse(url) || (new URL(url).username === "" && new URL(url).password === ""), "must not carry a user name or password (user@host)"),
    ),
    max_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(16 * 1024 * 1024)), 65_536),
    timeout_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(60_000)), 10_000),
  }),
  output: v.object({ url: v.string(), status: v.number(), headers: v.record(v.string(), v.string()), body: v.string(), bytes: v.number(), truncated: v.boolean() }),
  risk: "low",
  capability: "net:http",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 65_000,
  // The resource is the URL as parsed (its origin, the one the request really goes to, and its
  // path; no query): "net:http:http://127.0.0.1:*/**".
  resources: (input) => {
    const url = new URL(input.url);
    return [`${url.origin}${url.pathname}`];
  },
  async run(input, ctx) {
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(input.timeout_ms)]);
    const response = await fetch(input.url, { signal, redirect: "manual" });
    const limit = Math.min(input.max_bytes, ctx.outputCap);
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    let truncated = false;
    for await (const chunk of response.body ?? []) {
      const room = limit - bytes;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        bytes += room;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      bytes += chunk.length;
    }
    return { url: input.url, status: response.status, headers: Object.fromEntries(response.headers), body: Buffer.concat(chunks).toString("utf8"), bytes, truncated };
  },
});
