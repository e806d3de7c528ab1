// What the Rules page says of an expression before it is saved: Prometheus' parser's refusal
// with its position (a 400), each selector that matches no series now (a warning), and whether
// the condition holds right now (the alert would be pending or firing as soon as it is saved).
import { fetchFromReplicas } from "@opsdeck/core/replicas";
import { portalSources } from "@opsdeck/core";
import { config } from "@/lib/config.ts";
import { instant } from "./prometheus.ts";

export interface ExprProblem {
  line?: number;
  column?: number;
  detail: string;
}

export interface ExprChecks {
  /** Selectors (as PromQL) that match no series now. */
  emptySelectors: string[];
  /** Series for which the condition holds now. */
  holdingNow: { labels: Record<string, string>; value: number }[];
}

interface AstNode {
  type?: string;
  matchers?: { name: string; type: string; value: string }[];
  [key: string]: unknown;
}

/** Every vector / matrix selector in Prometheus' AST of an expression, as selector text. */
export function selectorsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) selectorsOf(n, out);
    return out;
  }
  if (!node || typeof node !== "object") return out;
  const n = node as AstNode;
  if ((n.type === "vectorSelector" || n.type === "matrixSelector") && n.matchers) {
    const text = `{${n.matchers.map((m) => `${JSON.stringify(m.name)}${m.type}${JSON.stringify(m.value)}`).join(", ")}}`;
    if (!out.includes(text)) out.push(text);
  }
  for (const value of Object.values(n)) if (value && typeof value === "object") selectorsOf(value, out);
  return out;
}

/** Prometheus' "1:21: parse error: …" as its place and words. */
export function exprProblem(error: string): ExprProblem {
  const m = /(\d+):(\d+): (.*)$/.exec(error);
  return m
    ? { line: Number(m[1]), column: Number(m[2]), detail: m[3] }
    : { detail: error.replace(/^invalid parameter "query": /, "") };
}

/** Parses the expression with Prometheus: its AST, or the problem with its position. */
export async function parseExpr(
  expr: string,
): Promise<{ ok: true; ast: unknown } | { ok: false; status: number; problem: ExprProblem }> {
  const { prometheus_urls, timeout_seconds } = portalSources(config());
  try {
    const res = await fetchFromReplicas(prometheus_urls, "/api/v1/parse_query", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: expr }).toString(),
      timeoutMs: timeout_seconds * 1000,
    });
    const j = (await res.json()) as { data?: unknown; error?: string };
    if (res.ok) return { ok: true, ast: j.data };
    return { ok: false, status: 400, problem: exprProblem(j.error ?? `HTTP ${res.status}`) };
  } catch (err) {
    return { ok: false, status: 502, problem: { detail: `Prometheus: ${(err as Error).message}` } };
  }
}

/** The warnings for a parsed expression: empty selectors, and the condition holding now. */
export async function exprChecks(expr: string, ast: unknown): Promise<ExprChecks> {
  const emptySelectors: string[] = [];
  for (const selector of selectorsOf(ast).slice(0, 20)) {
    const r = await instant(`count(${selector})`);
    if (r.ok && r.data.length === 0) emptySelectors.push(selector);
  }
  const now = await instant(expr);
  const holdingNow = now.ok ? now.data.slice(0, 50).map((s) => ({ labels: s.metric, value: Number(s.value[1]) })) : [];
  return { emptySelectors, holdingNow };
}
