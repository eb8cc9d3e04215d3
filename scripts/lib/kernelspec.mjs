// The project's Jupyter kernel spec, `course-ts`: the project's own tslab, started by the same
// node that ran setup (a JupyterLab from conda or pip may not have node on its PATH).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { KERNEL_NAME, paths, pythonPath, run, which } from "./project.mjs";

export const KERNEL_DISPLAY_NAME = "TypeScript (course)";

/** The course's layer over the pinned tslab (send queues, protocol fixes; docs/kernel.md). */
export const KERNEL_LAUNCHER = path.join(paths.root, "scripts", "kernel", "launch.cjs");

/**
 * The same fields `tslab install` writes (argv, display_name, language; tslab ships no logos),
 * with an absolute node and launcher so the spec works from any Jupyter the student starts.
 * The launcher takes tslab's own arguments and starts tslab's kernel with the layer applied;
 * `plainTslab: true` gives tslab's bin instead (only for tests that show what the layer fixes).
 */
export function kernelSpec(node = process.execPath, { plainTslab = false } = {}) {
  return {
    argv: [node, plainTslab ? paths.tslabBin : KERNEL_LAUNCHER, "kernel", "--config-path", "{connection_file}"],
    display_name: KERNEL_DISPLAY_NAME,
    language: "typescript",
  };
}

export function kernelSpecDir() {
  return path.join(paths.jupyterPath, "kernels", KERNEL_NAME);
}

/** Writes <root>/.jupyter-course/kernels/course-ts/kernel.json; returns true when it changed. */
export function writeKernelSpec(spec = kernelSpec(), dir = kernelSpecDir()) {
  const file = path.join(dir, "kernel.json");
  const text = `${JSON.stringify(spec, null, 2)}\n`;
  if (existsSync(file) && readFileSync(file, "utf8") === text) return false;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, text);
  return true;
}

/**
 * Also install the spec for the user, so a JupyterLab started outside `npm start` lists it.
 * Skipped when the same spec was installed before (a stamp); never fatal.
 * Returns { status: "installed" | "unchanged" | "failed", detail }.
 */
export function installUserKernelSpec() {
  const dir = kernelSpecDir();
  const text = readFileSync(path.join(dir, "kernel.json"), "utf8");
  const stamp = path.join(paths.stamps, "user-kernelspec.json");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === text) return { status: "unchanged", detail: "" };
  // jupyter_client's own API (what `tslab install` uses): Debian's jupyter-core ships a `jupyter`
  // command without the `kernelspec` subcommand, so the command alone is not enough.
  const code =
    "import sys; from jupyter_client.kernelspec import KernelSpecManager as M; " +
    "print(M().install_kernel_spec(sys.argv[1], sys.argv[2], user=True, replace=True))";
  const viaPython = run(pythonPath(), ["-c", code, dir, KERNEL_NAME]);
  if (viaPython.status !== 0) {
    const jupyter = which("jupyter");
    const viaCommand = jupyter ? run(jupyter, ["kernelspec", "install", "--user", "--replace", "--name", KERNEL_NAME, dir]) : null;
    if (!viaCommand || viaCommand.status !== 0) {
      const why = (r) => (r.stderr || r.stdout || String(r.error)).trim().split("\n").slice(-1)[0];
      return {
        status: "failed",
        detail: `${pythonPath()} (jupyter_client): ${why(viaPython)}; ${jupyter ? `jupyter kernelspec: ${why(viaCommand)}` : "no `jupyter` command on PATH"}`,
      };
    }
  }
  mkdirSync(paths.stamps, { recursive: true });
  writeFileSync(stamp, text);
  return { status: "installed", detail: "" };
}
