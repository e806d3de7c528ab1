// The audit log: one ECS line per change, with who did what.
import { createLogger } from "@opsdeck/core";

const log = createLogger({ service: "portal", dataset: "opsdeck.audit" });

export function audit(user: string, action: string, fields: Record<string, unknown> = {}) {
  log.info(`${user} ${action}`, {
    "user.name": user,
    "event.action": action,
    "event.category": "configuration",
    ...fields,
  });
}
