// The audit trail: every change made through the portal — who, when, from which address, what,
// and for a changed thing its before / after as a diff. Each entry is appended to this month's
// file in the portal's data directory (audit/YYYY-MM.jsonl) and fsync'd before the change is
// answered, never rewritten (the Audit page reads it back); and logged as an ECS event
// (event.dataset opsdeck.audit), which Filebeat ships to Elasticsearch's events index.
import { mkdirSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { createPatch } from "diff";
import { stringify } from "yaml";
import { createLogger } from "@opsdeck/core";
import { CLIENT_ADDRESS_HEADER } from "@/features/auth/client-address.ts";
import { config, configRelative } from "./config.ts";

const log = createLogger({ service: "portal", dataset: "opsdeck.audit" });

export interface AuditEntry {
  "@timestamp": string;
  user: string;
  action: string;
  /** The client's address (the front door's X-Forwarded-For, when it is trusted). */
  address?: string;
  /** What changed, e.g. rule:3f9a2c1b. */
  target?: string;
  /** Before → after, as a unified diff of their YAML. */
  diff?: string;
  fields: Record<string, unknown>;
}

export const auditDir = () => configRelative(join(config().portal.data_dir, "audit"));
const monthFile = (iso: string) => join(auditDir(), `${iso.slice(0, 7)}.jsonl`);

/** A thing as the diff shows it: YAML, keys in their order; absent → empty. */
const asText = (value: unknown) => (value === undefined ? "" : stringify(value));

/** The unified diff of before → after, or undefined when nothing changed. */
export function changeDiff(target: string, before: unknown, after: unknown): string | undefined {
  const from = asText(before);
  const to = asText(after);
  if (from === to) return undefined;
  // Drop the patch's "Index:" and "====" lines: the entry names the target.
  return createPatch(target, from, to, "before", "after").split("\n").slice(2).join("\n");
}

async function requestAddress(): Promise<string | undefined> {
  try {
    const { headers } = await import("next/headers");
    return (await headers()).get(CLIENT_ADDRESS_HEADER) ?? undefined;
  } catch {
    return undefined; // outside a request (a background task)
  }
}

let appending: Promise<unknown> = Promise.resolve();

/** Appends one line and fsyncs it; entries land in the order audit() was called. */
function append(entry: AuditEntry): Promise<void> {
  const next = appending.then(async () => {
    mkdirSync(auditDir(), { recursive: true, mode: 0o700 });
    const file = await open(monthFile(entry["@timestamp"]), "a", 0o600);
    try {
      await file.appendFile(JSON.stringify(entry) + "\n");
      await file.sync();
    } finally {
      await file.close();
    }
  });
  appending = next.catch(() => undefined);
  return next;
}

/**
 * Records a change: on disk (fsync'd) when this resolves, so await it before answering. `change`
 * gives the target and its before / after (either undefined for an add or a removal).
 */
export async function audit(
  user: string,
  action: string,
  fields: Record<string, unknown> = {},
  change?: { target: string; before?: unknown; after?: unknown },
): Promise<void> {
  const entry: AuditEntry = {
    "@timestamp": new Date().toISOString(),
    user,
    action,
    address: await requestAddress(),
    ...(change && { target: change.target, diff: changeDiff(change.target, change.before, change.after) }),
    fields,
  };
  await append(entry);
  log.info(`${user} ${action}`, {
    "user.name": user,
    "event.action": action,
    "event.category": "configuration",
    ...(entry.address && { "source.ip": entry.address }),
    ...(entry.target && { "opsdeck.audit.target": entry.target }),
    ...(entry.diff && { "opsdeck.audit.diff": entry.diff }),
    ...fields,
  });
}
