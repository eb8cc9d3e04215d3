/**
 * The browser bundles the notebook displays inline (plotly.js, mermaid) and where rendered
 * artefacts are cached. Everything is read from the installed npm packages: no CDN, no network.
 */
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export interface BrowserAsset {
  /** Module path resolved from this library, so it works from lib/src (tests) and lib/dist (notebooks). */
  readonly module: string;
  /** The global the bundle defines on `window`; its presence means the page already has it. */
  readonly global: string;
}

export const PLOTLY_ASSET: BrowserAsset = { module: "plotly.js-dist-min/plotly.min.js", global: "Plotly" };
export const MERMAID_ASSET: BrowserAsset = { module: "mermaid/dist/mermaid.min.js", global: "mermaid" };

const sources = new Map<string, string>();

/** The bundle's text, read once per process. */
export function assetSource(asset: BrowserAsset): string {
  let text = sources.get(asset.module);
  if (text === undefined) {
    let file: string;
    try {
      file = require.resolve(asset.module);
    } catch {
      throw new Error(`The browser bundle "${asset.module}" is not installed; run \`npm install\` in the project root (it is a dependency of shoplm).`);
    }
    text = readFileSync(file, "utf8")
      // A source map comment would make devtools fetch a file that is not there.
      .replace(/^\/\/# sourceMappingURL=.*$/gm, "")
      // Inside an inline <script>, "</script" ends the element whatever the JS context; "<\/" is the same text in strings and regexes.
      .replace(/<\/(script)/gi, "<\\/$1");
    sources.set(asset.module, text);
  }
  return text;
}

/** The version in the asset's package.json (cache keys, notes). */
export function assetVersion(asset: BrowserAsset): string {
  const pkg = asset.module.startsWith("@") ? asset.module.split("/").slice(0, 2).join("/") : asset.module.split("/")[0];
  try {
    const json = JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")) as { version?: string };
    return json.version ?? "unknown";
  } catch {
    // Packages whose "exports" hide package.json: walk up from the bundle itself.
    let dir = dirname(require.resolve(asset.module));
    while (dir !== dirname(dir)) {
      const file = join(dir, "package.json");
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (json.name === pkg) return json.version ?? "unknown";
      }
      dir = dirname(dir);
    }
    return "unknown";
  }
}

/** Marker attribute on the inline bundle's <script>, so tests and pages can count embeds. */
export function assetMarker(asset: BrowserAsset): string {
  return `data-shoplm-asset="${asset.global}"`;
}

/**
 * Inline <script>s that define the bundle's global unless the page already has it. The bundle sits
 * in an inert `text/plain` script and a small loader runs it as a top-level script only when
 * needed (a guard around the code itself would change its scope). `define` is hidden while it
 * runs, so a page with RequireJS (classic Notebook) still gets a plain `window` global.
 */
export function inlineAssetScript(asset: BrowserAsset): string {
  const id = uniqueElementId(`shoplm-asset-${asset.global.toLowerCase()}`);
  return (
    `<script ${assetMarker(asset)} type="text/plain" id="${id}">\n${assetSource(asset)}\n</script>` +
    `<script>(function () {\n` +
    `  if (window.${asset.global}) return;\n` +
    `  var code = document.createElement("script");\n` +
    `  code.text = document.getElementById(${scriptJson(id)}).textContent;\n` +
    `  var hasDefine = "define" in window, saved = window.define;\n` +
    `  try { if (hasDefine) window.define = undefined; document.head.appendChild(code); }\n` +
    `  finally { if (hasDefine) window.define = saved; code.remove(); }\n` +
    `})();</script>`
  );
}

/**
 * The course project's root: the nearest folder above this file whose package.json declares
 * npm workspaces including "lib". Null when the library is installed somewhere else.
 */
export function projectRoot(start: string = __dirname): string | null {
  let dir = resolve(start);
  while (dir !== dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        const json = JSON.parse(readFileSync(file, "utf8")) as { workspaces?: unknown };
        if (Array.isArray(json.workspaces) && json.workspaces.includes("lib")) return dir;
      } catch {
        // An unreadable package.json is not the root; keep walking.
      }
    }
    dir = dirname(dir);
  }
  return null;
}

/** build/cache/<kind> under the project root, or <os tmpdir>/shoplm-cache/<kind> outside it. */
export function cacheDir(kind: string): string {
  const root = projectRoot();
  return root ? join(root, "build", "cache", kind) : join(tmpdir(), "shoplm-cache", kind);
}

/** JSON for a <script> body: "<" escaped so no value can close the element or open a comment. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

let idCounter = 0;
const idSession = `${process.pid.toString(36)}${Date.now().toString(36)}`;
/** An element id unique on a page that may hold outputs from several kernel sessions. */
export function uniqueElementId(prefix: string): string {
  return `${prefix}-${idSession}-${idCounter++}`;
}
