/**
 * Runs a Python helper of the kernel tests with Debian's /usr/bin/python3 (it has jupyter_client,
 * jupyter_kernel_test), without blocking the test worker: a synchronous spawn of a minute or more
 * starves vitest's worker RPC ("Timeout calling onTaskUpdate").
 */
import { spawn } from "node:child_process";

export interface PythonRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The exit status and output of `/usr/bin/python3 ...args`; killed after timeoutMs. */
export function runPython(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/python3", args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The JSON object a helper prints as its last line of output. */
export function lastJsonLine<T>(run: PythonRun): T {
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as T;
}
