// A small PromQL scanner, enough for the rules' metric names, the dashboard lint and the
// dashboards' live check: which metrics a query selects, with the range and the functions around each. Not a parser — Prometheus itself
// parses every query in the live check; this only has to find selectors. It skips strings, label
// matchers, numbers, durations and the label lists of by / without / on / ignoring / group_*.

export interface Selector {
  metric: string;
  /** The functions and aggregations around the selector, innermost first. */
  enclosing: string[];
  /** The range in `metric[…]`, as written. */
  range?: string;
  /** The `offset` after the selector (or after its range), as written. */
  offset?: string;
}

const LABEL_LISTS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const KEYWORDS = new Set(["bool", "offset", "and", "or", "unless", "atan2", "inf", "nan", "start", "end"]);
const AGGREGATIONS = new Set([
  "sum",
  "avg",
  "min",
  "max",
  "count",
  "group",
  "stddev",
  "stdvar",
  "topk",
  "bottomk",
  "quantile",
  "count_values",
  "limitk",
  "limit_ratio",
]);

/** Where the bracket that opens at `start` closes (strings inside skipped). */
function closing(expr: string, start: number, open: string, close: string): number {
  let depth = 0;
  for (let i = start; i < expr.length; i++) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === "`") i = stringEnd(expr, i);
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return i;
  }
  throw new Error(`unbalanced ${open} at ${start} in: ${expr}`);
}

function stringEnd(expr: string, start: number): number {
  const quote = expr[start];
  for (let i = start + 1; i < expr.length; i++) {
    if (expr[i] === "\\" && quote !== "`") i++;
    else if (expr[i] === quote) return i;
  }
  throw new Error(`unterminated string at ${start} in: ${expr}`);
}

const skipSpace = (expr: string, i: number) => {
  while (i < expr.length && /\s/.test(expr[i])) i++;
  return i;
};

/** Every metric selector in `expr`, in order. */
export function selectors(expr: string): Selector[] {
  const found: Selector[] = [];
  const open: string[] = []; // for each open parenthesis, the function it calls ("" for grouping)
  let pendingFunction = "";
  let last: Selector | undefined; // the selector a following {matchers}, [range] or offset belongs to
  let lastEnd = 0; // where its name ended
  for (let i = 0; i < expr.length;) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === "`") {
      i = stringEnd(expr, i) + 1;
    } else if (c === "{") {
      // A selector with only matchers: {__name__=~"…"}; its name is not a literal.
      const end = closing(expr, i, "{", "}");
      const name = /__name__\s*=\s*"([^"]+)"/.exec(expr.slice(i, end))?.[1];
      const ofLast = last !== undefined && last.range === undefined && expr.slice(lastEnd, i).trim() === "";
      if (!ofLast) {
        last = { metric: name ?? "", enclosing: [...open].reverse().filter(Boolean) };
        found.push(last);
      }
      i = end + 1;
    } else if (c === "[") {
      const end = closing(expr, i, "[", "]");
      if (last && last.range === undefined) last.range = expr.slice(i + 1, end);
      i = end + 1;
    } else if (c === "(") {
      open.push(pendingFunction);
      pendingFunction = "";
      last = undefined;
      i++;
    } else if (c === ")") {
      open.pop();
      last = undefined;
      i++;
    } else if (c === "$") {
      // A Grafana variable outside a string ($__range_s, ${var}): not a selector.
      i = expr[i + 1] === "{" ? closing(expr, i + 1, "{", "}") + 1 : i + 1;
      while (i < expr.length && /\w/.test(expr[i])) i++;
    } else if (/[0-9.]/.test(c)) {
      while (i < expr.length && /[\w.]/.test(expr[i])) i++; // numbers, durations, 1e3
    } else if (/[a-zA-Z_:]/.test(c)) {
      let end = i;
      while (end < expr.length && /[\w:]/.test(expr[end])) end++;
      const word = expr.slice(i, end);
      const next = skipSpace(expr, end);
      i = end;
      if (LABEL_LISTS.has(word)) {
        if (expr[next] === "(") i = closing(expr, next, "(", ")") + 1;
      } else if (word === "offset") {
        const at = skipSpace(expr, end);
        let stop = at;
        while (stop < expr.length && /[\w-]/.test(expr[stop])) stop++;
        if (last) last.offset = expr.slice(at, stop);
        i = stop;
      } else if (KEYWORDS.has(word)) {
        // an operator keyword
      } else if (expr[next] === "(" || AGGREGATIONS.has(word)) {
        pendingFunction = word;
      } else {
        last = { metric: word, enclosing: [...open].reverse().filter(Boolean) };
        lastEnd = end;
        found.push(last);
      }
    } else {
      i++;
    }
  }
  return found;
}
