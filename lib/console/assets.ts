/**
 * @module lib/console/assets
 * The web page and its assets, inside the executable (text imports are embedded by `bun build
 * --compile`): no CDN, so the page works on a machine with no network. The page's script is
 * TypeScript in small ES modules (lib/console/web), type-checked with the rest and transpiled
 * once at start; the browser loads them as modules under /web/, by the names they import each
 * other by, with a modulepreload for each so they arrive together. Each asset is served with a
 * strong ETag (304 when unchanged) and gzip when the browser takes it.
 */
import { createHash } from "node:crypto";
import css from "./web/app.css" with { type: "text" };
import * as approvals from "./web/approvals.ts" with { type: "text" };
import * as audit from "./web/audit.ts" with { type: "text" };
import * as dashboard from "./web/dashboard.ts" with { type: "text" };
import * as dom from "./web/dom.ts" with { type: "text" };
import * as goals from "./web/goals.ts" with { type: "text" };
import icon from "./web/icon.svg" with { type: "text" };
import * as main from "./web/main.ts" with { type: "text" };
import * as memory from "./web/memory.ts" with { type: "text" };
import * as models from "./web/models.ts" with { type: "text" };
import { pageHtml } from "./web/page.ts";
import * as request from "./web/request.ts" with { type: "text" };
import * as services from "./web/services.ts" with { type: "text" };
import * as settings from "./web/settings.ts" with { type: "text" };
import * as tokens from "./web/tokens.ts" with { type: "text" };
import * as fleet from "./web/fleet.ts" with { type: "text" };
import * as taskGraph from "./web/task-graph.ts" with { type: "text" };

/**
 * The page's modules as source text. TypeScript types a text import of a .ts file as that
 * module's namespace; at run time it is `{ default: source }`.
 */
const MODULES: Record<string, unknown> = {
  "main.ts": main,
  "approvals.ts": approvals,
  "audit.ts": audit,
  "dashboard.ts": dashboard,
  "dom.ts": dom,
  "goals.ts": goals,
  "memory.ts": memory,
  "models.ts": models,
  "request.ts": request,
  "services.ts": services,
  "settings.ts": settings,
  "tokens.ts": tokens,
  "fleet.ts": fleet,
  "task-graph.ts": taskGraph,
};

export interface Asset {
  path: string;
  type: string;
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  etag: string;
}

/**
 * Each module transpiled for the browser. An import of a module not in MODULES (one added
 * without being listed here) stops the console at start with its name, not a page that fails
 * to load in someone's browser.
 */
function browserModules(): Map<string, string> {
  const transpiler = new Bun.Transpiler({ loader: "ts", target: "browser" });
  const out = new Map<string, string>();
  for (const [name, namespace] of Object.entries(MODULES)) {
    const script = transpiler.transformSync((namespace as { default: string }).default);
    for (const { path } of transpiler.scanImports(script)) {
      if (!path.startsWith("./") || !(path.slice(2) in MODULES)) throw new Error(`the console page's module ${name} imports ${path}, which is not one of the modules lib/console/assets.ts serves`);
    }
    out.set(name, script);
  }
  return out;
}

export class WebAssets {
  private readonly assets: Asset[];

  constructor() {
    const make = (path: string, type: string, text: string): Asset => {
      const body = new TextEncoder().encode(text);
      return { path, type, body, gzip: new Uint8Array(Bun.gzipSync(body, { level: 9 })), etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` };
    };
    const modules = [...browserModules()].map(([name, script]) => make(`/web/${name}`, "text/javascript; charset=utf-8", script));
    const [entry, ...imported] = modules.map((m) => m.path);
    this.assets = [make("/", "text/html; charset=utf-8", pageHtml(entry!, imported)), ...modules, make("/app.css", "text/css; charset=utf-8", css), make("/icon.svg", "image/svg+xml", icon)];
  }

  list(): readonly Asset[] {
    return this.assets;
  }

  respond(asset: Asset, request: Request): Response {
    const headers: Record<string, string> = { "content-type": asset.type, etag: asset.etag, "cache-control": "no-cache", vary: "accept-encoding" };
    if (request.headers.get("if-none-match") === asset.etag) return new Response(null, { status: 304, headers });
    if (/\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")) return new Response(asset.gzip, { headers: { ...headers, "content-encoding": "gzip" } });
    return new Response(asset.body, { headers });
  }
}
