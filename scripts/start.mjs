#!/usr/bin/env node
// `npm start` (after setup): opens the course in JupyterLab, or in the classic Jupyter Notebook,
// with the course-ts kernel; with neither installed, or no terminal (CI), or --headless, it runs
// the notebooks headless instead, so the course's main job is done on a bare machine too.
//   node scripts/start.mjs [--headless] [--profile fast|full] [notebook names...]
import { spawn } from "node:child_process";
import path from "node:path";
import { jupyterEnv, paths, pythonPath, run, which } from "./lib/project.mjs";

const USAGE = `usage: npm start -- [--headless] [--profile fast|full] [notebook names...] [--jupyter-option=value ...]
  Opens JupyterLab (or Jupyter Notebook) in notebooks/ with the "TypeScript (course)" kernel;
  other --options go to Jupyter (write them as --name=value, e.g. --port=8890 --no-browser).
  --headless, CI=true or no terminal: runs the notebooks headless instead (npm run notebooks).`;

/** Our own flags; any other --option is Jupyter's, any other word a notebook name (headless). */
function parseCommandLine(argv) {
  const parsed = { headless: false, profile: undefined, help: false, names: [], jupyterArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--headless") parsed.headless = true;
    else if (arg === "--help" || arg === "-h") parsed.help = true;
    else if (arg === "--profile") {
      parsed.profile = argv[++i];
      if (parsed.profile === undefined) throw new Error("--profile needs a value: fast or full");
    } else if (arg.startsWith("--profile=")) parsed.profile = arg.slice("--profile=".length);
    else if (arg.startsWith("-")) parsed.jupyterArgs.push(arg);
    else parsed.names.push(arg);
  }
  return parsed;
}

let values;
try {
  values = parseCommandLine(process.argv.slice(2));
} catch (error) {
  console.error(`start: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const positionals = values.names;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

/** The first front end whose `--version` answers: [{ kind, command, args, version }] order = preference. */
function findFrontEnd() {
  const jupyter = which("jupyter");
  const candidates = [
    { kind: "JupyterLab", command: which("jupyter-lab"), args: [] },
    { kind: "JupyterLab", command: jupyter, args: ["lab"] },
    { kind: "JupyterLab", command: pythonPath(), args: ["-m", "jupyterlab"] },
    { kind: "Jupyter Notebook", command: which("jupyter-notebook"), args: [] },
    { kind: "Jupyter Notebook", command: jupyter, args: ["notebook"] },
  ];
  for (const candidate of candidates) {
    if (!candidate.command) continue;
    const result = run(candidate.command, [...candidate.args, "--version"], { timeout: 30_000 });
    const version = result.stdout.trim().split("\n").pop();
    if (result.status === 0 && /^\d+\./.test(version ?? "")) return { ...candidate, version };
  }
  return null;
}

function headless(reason) {
  if (values.jupyterArgs.length > 0) console.log(`start: ignoring ${values.jupyterArgs.join(" ")} (Jupyter options; no server starts).`);
  console.log(`start: ${reason}\nstart: running the notebooks headless (npm run notebooks); executed copies go to build/notebooks.\n`);
  const args = [path.join(paths.root, "scripts", "notebooks.mjs"), ...positionals];
  if (values.profile) args.push("--profile", values.profile);
  const child = spawn(process.execPath, args, { stdio: "inherit" });
  process.on("SIGINT", () => {});
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const INSTALL_HINT = `To work in the notebooks, install JupyterLab (4.1 or newer also draws the course's mermaid diagrams):
    python3 -m pip install --user jupyterlab        (or: conda install -c conda-forge jupyterlab)
or, on Debian/Ubuntu, the classic Jupyter Notebook (it does not draw mermaid diagrams):
    sudo apt-get install jupyter-notebook
then run \`npm start\` again.`;

function open(frontEnd) {
  const args = [...frontEnd.args, ...values.jupyterArgs];
  // Jupyter refuses to run as root without it (containers, this course's CI machines).
  if (typeof process.getuid === "function" && process.getuid() === 0) args.push("--allow-root");
  if (values.profile) console.log(`start: COURSE_PROFILE=${values.profile} for every kernel this server starts.`);
  console.log(`start: ${frontEnd.kind} ${frontEnd.version} in ${paths.notebooks} (${[frontEnd.command, ...args].join(" ")})`);
  const env = jupyterEnv(values.profile ? { COURSE_PROFILE: values.profile } : {});
  const child = spawn(frontEnd.command, args, { cwd: paths.notebooks, env, stdio: ["inherit", "inherit", "pipe"] });
  let shown = false;
  let pending = "";
  child.stderr.on("data", (chunk) => {
    process.stderr.write(chunk);
    if (shown) return;
    pending += chunk.toString();
    const url = pending.match(/https?:\/\/(?:localhost|127\.0\.0\.1|\[::1\])[^\s]*/);
    if (url) {
      shown = true;
      console.log(
        `\n  Open the course: ${url[0]}\n  Pick the kernel "TypeScript (course)" if a notebook asks. Ctrl-C (twice) stops the server.\n`
      );
    } else {
      pending = pending.slice(-4096);
    }
  });
  // Ctrl-C goes to Jupyter too (same process group); it asks to confirm and shuts down.
  process.on("SIGINT", () => {});
  child.on("error", (error) => {
    console.error(`start: could not start ${frontEnd.command}: ${error.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (values.headless) {
  headless("--headless given.");
} else if (process.env.CI === "true" || !process.stdin.isTTY) {
  headless(`${process.env.CI === "true" ? "CI=true" : "standard input is not a terminal"}, so no Jupyter server is started (it would wait for a person).`);
} else {
  const frontEnd = findFrontEnd();
  if (frontEnd) {
    if (frontEnd.kind !== "JupyterLab") {
      console.log(
        "start: JupyterLab is not installed, so the classic Jupyter Notebook opens; it does not draw the course's mermaid diagrams " +
          "(`python3 -m pip install --user jupyterlab` adds JupyterLab 4, which does)."
      );
    }
    open(frontEnd);
  } else {
    console.log(`start: neither JupyterLab nor Jupyter Notebook is installed.\n${INSTALL_HINT}\n`);
    headless("no Jupyter front end to open");
  }
}
