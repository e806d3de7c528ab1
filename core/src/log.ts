// Structured JSON logs with ECS field names, so Filebeat ships them with no parsing.
export const LEVELS = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  service: string;
  level?: Level;
  dataset?: string;
  /** Where lines go; stdout by default. Tests pass an array to read them back. */
  sink?: (line: string) => void;
  base?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions): Logger {
  const min = LEVELS.indexOf(opts.level ?? "info");
  const sink = opts.sink ?? ((line: string) => process.stdout.write(line + "\n"));
  const base = opts.base ?? {};
  const emit = (level: Level, message: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS.indexOf(level) < min) return;
    const { error, ...rest } = fields;
    const line: Record<string, unknown> = {
      "@timestamp": new Date().toISOString(),
      "log.level": level,
      message,
      "service.name": opts.service,
      "event.dataset": opts.dataset ?? `opsdeck.${opts.service}`,
      ...base,
      ...rest,
    };
    if (error instanceof Error) {
      line["error.type"] = error.name;
      line["error.message"] = error.message;
      line["error.stack_trace"] = error.stack;
    } else if (error !== undefined) {
      line["error.message"] = String(error);
    }
    sink(JSON.stringify(line));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...opts, base: { ...base, ...fields } }),
  };
}
