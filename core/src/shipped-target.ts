// Which shipped alert rule an override on the Rules page replaces: its file, name and labels
// (rules of a file may share a name — CertificateExpiring at 21, 14, 7 and 3 days — never their
// labels too). Pure: the portal's browser code validates with it too.
import { z } from "zod";

export const shippedTargetSchema = z.strictObject({
  file: z.string().regex(/^[a-z0-9][a-z0-9_-]*\.yml$/, "a shipped rule file such as pm2.yml"),
  alert: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  /** The shipped rule's own labels (severity, …), as written in its file. */
  labels: z.record(z.string(), z.string().max(200)).default({}),
});
export type ShippedTarget = z.infer<typeof shippedTargetSchema>;

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

export const sameTarget = (a: ShippedTarget, b: ShippedTarget) =>
  a.file === b.file && a.alert === b.alert && sameLabels(a.labels, b.labels);

/** An alerting rule as a Prometheus rule file holds it (fields OpsDeck does not read are kept). */
export const alertingRuleSchema = z.looseObject({
  alert: z.string(),
  expr: z.union([z.string(), z.number()]).transform(String),
  for: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
});
export type AlertingRule = z.infer<typeof alertingRuleSchema>;
