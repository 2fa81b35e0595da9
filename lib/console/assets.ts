/**
 * @module lib/console/assets
 * The web page and its assets, inside the executable (text imports are embedded by `bun build
 * --compile`): no CDN, so the page works on a machine with no network. The page's script is
 * TypeScript, type-checked with the rest, transpiled once at start. Each asset is served with a
 * strong ETag (304 when unchanged) and gzip when the browser takes it.
 */
import { createHash } from "node:crypto";
import appSource from "./web/app.ts" with { type: "text" };
import css from "./web/app.css" with { type: "text" };
import { PAGE_HTML as html } from "./web/page.ts";
import icon from "./web/icon.svg" with { type: "text" };

export interface Asset {
  path: string;
  type: string;
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  etag: string;
}

export class WebAssets {
  private readonly assets: Asset[];

  constructor() {
    const script = new Bun.Transpiler({ loader: "ts", target: "browser" }).transformSync(appSource);
    const make = (path: string, type: string, text: string): Asset => {
      const body = new TextEncoder().encode(text);
      return { path, type, body, gzip: new Uint8Array(Bun.gzipSync(body, { level: 9 })), etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` };
    };
    this.assets = [
      make("/", "text/html; charset=utf-8", html),
      make("/app.js", "text/javascript; charset=utf-8", script),
      make("/app.css", "text/css; charset=utf-8", css),
      make("/icon.svg", "image/svg+xml", icon),
    ];
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
