// Recognising the lines of an imported log file: PM2's JSON lines, other JSON (ECS, pino,
// bunyan-like), nginx access (combined) and error lines, PM2's `--time` prefix, and plain lines
// that start with a timestamp. A line without a timestamp continues the event before it (a stack
// trace); one that looks like JSON but is not, or has nothing before it, is a bad line.
export type Format = "pm2-json" | "json" | "nginx-access" | "nginx-error" | "pm2-time" | "timestamped";

export interface Parsed {
  format: Format;
  ts: number;
  level?: string;
  message: string;
  fields: Record<string, unknown>;
}
export type LineResult = Parsed | { continuation: string } | { bad: string };

const LEVELS: Record<string, string> = {
  fatal: "fatal",
  crit: "fatal",
  critical: "fatal",
  emerg: "fatal",
  alert: "fatal",
  error: "error",
  err: "error",
  warn: "warn",
  warning: "warn",
  info: "info",
  notice: "info",
  log: "info",
  debug: "debug",
  trace: "trace",
  verbose: "debug",
};
/** pino / bunyan numeric levels. */
const NUMERIC: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
const level = (v: unknown): string | undefined =>
  typeof v === "number" ? NUMERIC[v] : typeof v === "string" ? LEVELS[v.toLowerCase()] : undefined;

const MONTHS: Record<string, string> = {
  Jan: "01",
  Feb: "02",
  Mar: "03",
  Apr: "04",
  May: "05",
  Jun: "06",
  Jul: "07",
  Aug: "08",
  Sep: "09",
  Oct: "10",
  Nov: "11",
  Dec: "12",
};

/** An ISO-like time; no zone means UTC (imports come from anywhere: say so in the docs). */
function isoTime(s: string): number {
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s.replace(" ", "T") : `${s.replace(" ", "T")}Z`);
  return t;
}

const ISO = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/;
const NGINX_ACCESS =
  /^(\S+) \S+ (\S+) \[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}:\d{2}:\d{2}) ([+-]\d{4})\] "(\S+) (\S+)[^"]*" (\d{3}) (\d+|-)(?: "([^"]*)" "([^"]*)")?/;
const NGINX_ERROR = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}:\d{2}:\d{2}) \[(\w+)\] (\d+)#\d+: (.*)$/;
const LEVEL_WORD = /^\s*[[(]?(FATAL|CRITICAL|ERROR|ERR|WARN|WARNING|INFO|NOTICE|DEBUG|TRACE)[\])]?[\s:|-]+/i;

export function parseLine(line: string): LineResult {
  if (line.startsWith("{")) return parseJson(line);
  let m = NGINX_ACCESS.exec(line);
  if (m) {
    const status = Number(m[10]);
    return {
      format: "nginx-access",
      ts: Date.parse(`${m[5]}-${MONTHS[m[4]] ?? "01"}-${m[3]}T${m[6]}${m[7].slice(0, 3)}:${m[7].slice(3)}`),
      level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
      message: line,
      fields: {
        "source.ip": m[1],
        "user.name": m[2] === "-" ? undefined : m[2],
        "http.request.method": m[8],
        "url.original": m[9],
        "http.response.status_code": status,
        "http.response.body.bytes": m[11] === "-" ? 0 : Number(m[11]),
        "http.request.referrer": m[12],
        "user_agent.original": m[13],
        "service.name": "nginx",
      },
    };
  }
  m = NGINX_ERROR.exec(line);
  if (m)
    return {
      format: "nginx-error",
      ts: isoTime(`${m[1]}-${m[2]}-${m[3]} ${m[4]}`),
      level: level(m[5]) ?? "error",
      message: m[7],
      fields: { "process.pid": Number(m[6]), "service.name": "nginx" },
    };
  m = ISO.exec(line);
  if (m) {
    const ts = isoTime(m[1].replace(",", "."));
    if (Number.isNaN(ts)) return { bad: "unreadable timestamp" };
    // PM2's --time prefix is "<time>: "; other loggers put a space or " - " after the time.
    const pm2 = line[m[1].length] === ":" && line[m[1].length + 1] === " ";
    const rest = line.slice(m[1].length + (pm2 ? 2 : 0)).replace(/^\s*[-|]?\s*/, "");
    // The level word stays in the message (it is part of what was written); it also sets log.level.
    const lv = LEVEL_WORD.exec(rest);
    return {
      format: pm2 ? "pm2-time" : "timestamped",
      ts,
      level: lv ? level(lv[1]) : undefined,
      message: rest,
      fields: {},
    };
  }
  return { continuation: line };
}

function parseJson(line: string): LineResult {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { bad: "invalid JSON" };
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) return { bad: "JSON that is not an object" };
  // PM2 with log_type: json.
  if ("app_name" in o && "message" in o) {
    const ts = Date.parse(String(o.timestamp ?? ""));
    if (Number.isNaN(ts)) return { bad: "PM2 JSON line without a timestamp" };
    const message = String(o.message).replace(/\n$/, "");
    const lv = LEVEL_WORD.exec(message);
    return {
      format: "pm2-json",
      ts,
      level: lv ? level(lv[1]) : o.type === "err" ? "error" : "info",
      message,
      fields: {
        "service.name": String(o.app_name),
        "service.instance.id": o.process_id === undefined ? undefined : String(o.process_id),
      },
    };
  }
  const rawTs = o["@timestamp"] ?? o.timestamp ?? o.time ?? o.ts;
  const ts = typeof rawTs === "number" ? (rawTs < 1e12 ? rawTs * 1000 : rawTs) : Date.parse(String(rawTs ?? ""));
  if (Number.isNaN(ts)) return { bad: "JSON line without a timestamp (@timestamp, timestamp, time or ts)" };
  const message = o.message ?? o.msg ?? "";
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o))
    if (!["@timestamp", "timestamp", "time", "ts", "message", "msg", "level", "log.level"].includes(k)) fields[k] = v;
  return {
    format: "json",
    ts,
    level: level(o["log.level"] ?? o.level),
    message: typeof message === "string" ? message : JSON.stringify(message),
    fields,
  };
}
