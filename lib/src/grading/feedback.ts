/**
 * The pages grading writes: one feedback page per student (each exercise, what passed, what
 * failed and why; hidden checks only as "hidden check N" and the kind of failure) and a summary
 * for the instructor with the score distribution drawn as an inline SVG histogram. Plain HTML,
 * no script, no network; every student-controlled string is escaped.
 */
import { escapeHtml } from "../viz/display";
import { FAILURE_TEXT, type ExerciseGrade, type ExerciseStatus, type GradebookAssignment, type GradedCheck, type StudentGrade } from "./gradebook";

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem}code{background:#f6f8fa;padding:0 .2em;border-radius:3px;white-space:pre-wrap}
.ok{color:#1a7f37}.no{color:#cf222e}.flag{background:#fff8c5;border-left:4px solid #d4a72c;padding:.3rem .6rem;margin:.4rem 0}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}th{background:#f6f8fa}
.status{font-weight:600}ul{margin:.3rem 0}`;

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}

const STATUS_TEXT: Readonly<Record<ExerciseStatus, string>> = {
  passed: "all checks passed",
  partial: "some checks passed",
  failed: "no check passed",
  error: "could not be run",
  missing: "not found in the submission",
  unreadable: "notebook could not be read",
  "not-graded": "not graded",
};

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Math.round(x * 1000) / 1000);
}

/** One check as the student may see it: hidden checks carry no name and no detail. */
export function checkLine(check: GradedCheck): string {
  const mark = check.status === "passed" ? `<span class="ok">&#10003;</span>` : `<span class="no">&#10007;</span>`;
  if (check.hidden) {
    const what = check.status === "passed" ? "passed" : `failed: ${escapeHtml(FAILURE_TEXT[check.kind ?? "wrong"])}`;
    return `<li>${mark} hidden check ${check.number} ${what}</li>`;
  }
  const detail = check.status === "passed" ? "" : `: <code>${escapeHtml(check.message || FAILURE_TEXT[check.kind ?? "wrong"])}</code>`;
  return `<li>${mark} ${escapeHtml(check.name)}${detail}</li>`;
}

function exerciseSection(e: ExerciseGrade): string {
  const flags = e.flags.map((f) => `<div class="flag">${escapeHtml(f)}</div>`).join("");
  const reason = e.reason ? `<p>${escapeHtml(e.reason)}</p>` : "";
  const checks = e.checks.length ? `<ul>${e.checks.map(checkLine).join("")}</ul>` : "";
  const cls = e.status === "passed" ? "ok" : "no";
  return (
    `<section>\n<h2>Exercise ${escapeHtml(e.id)}: ${escapeHtml(e.title)}</h2>\n` +
    `<p><span class="status ${cls}">${fmt(e.points)} / ${fmt(e.max)} points</span> (${STATUS_TEXT[e.status]})</p>\n${flags}${reason}${checks}\n</section>`
  );
}

/** A student's page; with an assignment, its title and due date head the page (the grade covers it only). */
export function feedbackPage(grade: StudentGrade, assignment: GradebookAssignment | null = null): string {
  const flags = grade.flags.map((f) => `<div class="flag">${escapeHtml(f)}</div>`).join("\n");
  const heading = assignment
    ? `<p>Assignment <b>${escapeHtml(assignment.title)}</b> (${escapeHtml(assignment.name)}): exercises ${escapeHtml(assignment.exercises.join(", "))}${assignment.due ? `, due ${escapeHtml(assignment.due)}` : ""}.</p>\n`
    : "";
  const body =
    `<h1>Feedback for ${escapeHtml(grade.student)}</h1>\n${heading}<p><b>${fmt(grade.points)} / ${fmt(grade.max)} points</b></p>\n${flags}\n` +
    `<p>Public checks are the ones <code>check()</code> runs in the notebook; hidden checks test more cases and show only whether they passed and how they failed.</p>\n` +
    grade.exercises.map(exerciseSection).join("\n");
  return page(`Feedback: ${grade.student}`, body);
}

export interface ScoreHistogram {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

/** Equal-width bins over [0, max] (the last one closed), at most `bins` of them. */
export function scoreHistogram(values: readonly number[], max: number, bins = 10): ScoreHistogram {
  const n = Math.max(1, bins);
  const top = max > 0 ? max : 1;
  const edges = Array.from({ length: n + 1 }, (_, i) => (top * i) / n);
  const counts = new Array<number>(n).fill(0);
  for (const v of values) {
    const i = Math.min(n - 1, Math.max(0, Math.floor((v / top) * n)));
    counts[i]++;
  }
  return { edges, counts };
}

/** The histogram as an SVG drawing: bars with their counts, the score ranges below. */
export function scoreHistogramSvg(h: ScoreHistogram, label = "points"): string {
  const width = 640;
  const height = 280;
  const left = 40;
  const bottom = 50;
  const top = 20;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const most = Math.max(1, ...h.counts);
  const barW = plotW / h.counts.length;
  const parts: string[] = [];
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#57606a"/>`);
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#57606a"/>`);
  h.counts.forEach((count, i) => {
    const barH = (count / most) * plotH;
    const x = left + i * barW;
    const y = top + plotH - barH;
    parts.push(`<rect x="${(x + 2).toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${barH.toFixed(1)}" fill="#0969da"><title>${count} student(s)</title></rect>`);
    if (count > 0) parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="12">${count}</text>`);
    parts.push(
      `<text x="${(x + barW / 2).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" font-size="11">${fmt(h.edges[i])}&#8211;${fmt(h.edges[i + 1])}</text>`
    );
  });
  parts.push(`<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeHtml(label)}</text>`);
  parts.push(`<text x="12" y="${top + plotH / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 12 ${top + plotH / 2})">students</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="score distribution">${parts.join("")}</svg>`;
}

export function summaryPage(grades: readonly StudentGrade[], feedbackLinks: readonly string[], sandbox: string): string {
  const max = grades.length ? Math.max(...grades.map((g) => g.max)) : 0;
  const totals = grades.map((g) => g.points);
  const mean = totals.length ? totals.reduce((s, x) => s + x, 0) / totals.length : 0;
  const sorted = [...totals].sort((a, b) => a - b);
  const median = sorted.length ? (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2 : 0;
  const ids = grades[0]?.exercises.map((e) => e.id) ?? [];
  const statuses: ExerciseStatus[] = ["passed", "partial", "failed", "error", "missing", "unreadable", "not-graded"];
  const exerciseRows = ids.map((id) => {
    const es = grades.map((g) => g.exercises.find((e) => e.id === id)!).filter(Boolean);
    const meanPoints = es.reduce((s, e) => s + e.points, 0) / Math.max(1, es.length);
    const counts = statuses.map((s) => `<td>${es.filter((e) => e.status === s).length}</td>`).join("");
    return `<tr><td>${escapeHtml(id)}</td><td>${escapeHtml(es[0]?.title ?? "")}</td><td>${fmt(meanPoints)} / ${fmt(es[0]?.max ?? 0)}</td>${counts}</tr>`;
  });
  const studentRows = grades.map((g, i) => {
    const flags = [...g.flags, ...g.exercises.flatMap((e) => e.flags)];
    return `<tr><td><a href="${escapeHtml(feedbackLinks[i])}">${escapeHtml(g.student)}</a></td><td>${fmt(g.points)} / ${fmt(g.max)}</td><td>${escapeHtml(flags.join("; "))}</td></tr>`;
  });
  const flagged = grades.filter((g) => g.flags.length > 0 || g.exercises.some((e) => e.flags.length > 0)).length;
  const body =
    `<h1>Grading summary</h1>\n<p>${grades.length} students; mean ${fmt(mean)}, median ${fmt(median)} of ${fmt(max)} points; ${flagged} flagged.</p>\n` +
    `<h2>Score distribution</h2>\n${scoreHistogramSvg(scoreHistogram(totals, max))}\n` +
    `<h2>Exercises</h2>\n<table><tr><th>id</th><th>title</th><th>mean</th>${statuses.map((s) => `<th>${s}</th>`).join("")}</tr>\n${exerciseRows.join("\n")}</table>\n` +
    `<h2>Students</h2>\n<table><tr><th>student</th><th>points</th><th>flags</th></tr>\n${studentRows.join("\n")}</table>\n` +
    `<h2>Sandbox</h2>\n<p>${escapeHtml(sandbox)}</p>`;
  return page("Grading summary", body);
}
