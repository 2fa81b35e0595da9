/**
 * @module lib/console/component
 * aios-console as a process: the HTTP console on [console] listen:port. Until the console
 * issue (#8) builds the UI and API, it answers GET /api/health and, for every other route,
 * 501 with a JSON body naming the route.
 */
import { VERSION } from "../config/index.ts";
import { createLogger } from "../log/index.ts";
import { commonUsage, loadComponentConfig, parseCommonFlags, stopRequested } from "../rpc/component.ts";

const SUMMARY = "the HTTP console: dashboard, goals, approvals and the JSON API";

export async function runConsole(argv: readonly string[]): Promise<number> {
  const usage = commonUsage("aios-console", SUMMARY, "      --port N        listen on port N instead of [console] port (0: any free port)\n");
  const parsed = parseCommonFlags(argv, usage, { port: { type: "string" } });
  if (typeof parsed === "number") return parsed;
  const config = loadComponentConfig(parsed.flags);
  if (typeof config === "number") return config;
  const log = createLogger({ component: "aios-console", level: config.log.level });

  const portFlag = parsed.values.port;
  const port = typeof portFlag === "string" ? Number(portFlag) : config.console.port;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`aios-console: --port must be a number from 0 to 65535, got "${String(portFlag)}"\n`);
    return 64;
  }

  const stop = stopRequested(log);
  const server = Bun.serve({
    hostname: config.console.listen,
    port,
    fetch(request) {
      const { pathname } = new URL(request.url);
      if (request.method === "GET" && pathname === "/api/health") {
        return Response.json({ status: "SERVING", component: "aios-console", version: VERSION });
      }
      return Response.json(
        { error: `aios-console does not implement ${request.method} ${pathname} yet` },
        { status: 501 },
      );
    },
  });
  log.info("serving", { url: server.url.href });
  await stop;
  await server.stop();
  return 0;
}
