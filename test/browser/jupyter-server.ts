/**
 * A real Jupyter Notebook server (Debian's `jupyter-notebook`, 6.4) on loopback for browser tests:
 * a free port, a random token, a notebook folder inside the project (so a kernel started there
 * resolves "shoplm" from the project's node_modules, as it does from notebooks/), the course's
 * kernel spec from `.jupyter-course`, and its own config, data and runtime folders (nothing of the
 * user's Jupyter setup leaks in). `stop()` shuts the kernels and the server down and reports any
 * process that outlived them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";

export const JUPYTER_NOTEBOOK = "/usr/bin/jupyter-notebook";
export const ROOT = path.resolve(__dirname, "../..");

export interface JupyterServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly token: string;
  /** The server's notebook folder; the copies sit in its `notebooks/`. */
  readonly dir: string;
  /** The page of a notebook copied in by `startJupyter({ notebooks })`, token included. */
  notebookUrl(name: string): string;
  /** GET/DELETE on the server's REST API, as JSON. */
  api<T>(route: string, method?: "GET" | "DELETE"): Promise<T>;
  /** The server and kernel processes of this run (found by its folders in their command lines). */
  processes(): { pid: number; cmdline: string }[];
  /** Shut down every kernel and the server; resolves to the processes that had to be killed afterwards (none, normally). */
  stop(): Promise<string[]>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port assigned"))));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Processes whose command line mentions `marker` (the kernels' connection files live under it). */
export function processesMentioning(marker: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
    } catch {
      continue; // exited meanwhile
    }
    if (cmdline.includes(marker)) found.push({ pid: Number(entry), cmdline });
  }
  return found;
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Start the server with copies of `notebooks` (names in the project's notebooks/, without
 * `.ipynb`) and wait until its API answers.
 */
export async function startJupyter(options: { notebooks: string[]; timeoutMs?: number }): Promise<JupyterServer> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  // Under build/ (gitignored) so that the kernel's working directory is inside the project.
  mkdirSync(path.join(ROOT, "build", "browser-test"), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, "build", "browser-test", "run-"));
  const home = mkdtempSync(path.join(tmpdir(), "course-jupyter-"));
  mkdirSync(path.join(dir, "notebooks"));
  for (const name of options.notebooks) cpSync(path.join(ROOT, "notebooks", `${name}.ipynb`), path.join(dir, "notebooks", `${name}.ipynb`));

  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: path.join(ROOT, ".jupyter-course"),
    JUPYTER_CONFIG_DIR: path.join(home, "config"),
    JUPYTER_DATA_DIR: path.join(home, "data"),
    JUPYTER_RUNTIME_DIR: path.join(home, "runtime"),
    IPYTHONDIR: path.join(home, "ipython"),
  };
  const server = spawn(
    JUPYTER_NOTEBOOK,
    [
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--port-retries=0",
      `--notebook-dir=${dir}`,
      `--NotebookApp.token=${token}`,
      "--NotebookApp.password=",
      "--NotebookApp.terminals_enabled=False",
      // CI containers run as root; the server refuses that unless told.
      ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ],
    { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] }
  );
  let log = "";
  server.stdout!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  server.stderr!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));

  const api = async <T>(route: string, method: "GET" | "DELETE" = "GET"): Promise<T> => {
    const response = await fetch(`${url}${route}`, { method, headers: { Authorization: `token ${token}` } });
    if (!response.ok) throw new Error(`${method} ${route}: HTTP ${response.status} ${await response.text()}`);
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  };

  const processes = () => [...processesMentioning(`${home}${path.sep}`), ...processesMentioning(dir)];

  const stop = async (): Promise<string[]> => {
    if (server.exitCode === null && server.signalCode === null) {
      try {
        for (const session of await api<{ id: string }[]>("/api/sessions")) await api(`/api/sessions/${session.id}`, "DELETE");
      } catch {
        // The server's own shutdown below stops its kernels too.
      }
      server.kill("SIGTERM"); // the notebook app shuts its kernels down on SIGTERM
      if (!(await exited(server, 30_000))) {
        server.kill("SIGKILL");
        await exited(server, 10_000);
      }
    }
    // Kernels run in their own process session; any that outlived the server is named and killed.
    const left = processes();
    for (const { pid } of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
    return left.map(({ pid, cmdline }) => `${pid} ${cmdline}`);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      await stop();
      throw new Error(`${JUPYTER_NOTEBOOK} exited (${server.exitCode ?? server.signalCode}) before answering on ${url}:\n${log.slice(-3000)}`);
    }
    try {
      await api("/api/status");
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`${JUPYTER_NOTEBOOK} did not answer on ${url} within ${timeoutMs / 1000} s:\n${log.slice(-3000)}`);
      }
      await sleep(250);
    }
  }

  return {
    url,
    token,
    dir,
    notebookUrl: (name) => `${url}/notebooks/notebooks/${encodeURIComponent(name)}.ipynb?token=${token}`,
    api,
    processes,
    stop,
  };
}
