// The Probes page's API: add a probe, change one, enable or disable it, remove it — the portal's
// own probes (probes.yml in its data directory), never opsdeck.yml's. Operators and admins;
// CSRF-checked; every change audited and on disk (the probes file, blackbox's modules, the
// targets) before the answer; blackbox and Prometheus pick it up by themselves.
import { z } from "zod";
import type { Probe } from "@opsdeck/core";
import { audit } from "@/lib/audit.ts";
import { changeRequest, changingUser } from "@/lib/change-request.ts";
import {
  changeableProbe,
  changeProbes,
  configuredProbeNames,
  portalProbeSchema,
  ProbeChangeError,
} from "./probe-list.ts";

/** A probe as the audit trail's diff shows it: its header values hidden (an endpoint's token). */
const withoutSecrets = (probe: Probe | undefined) =>
  probe && {
    ...probe,
    ...(probe.http && {
      http: { ...probe.http, headers: Object.fromEntries(Object.keys(probe.http.headers).map((h) => [h, "…"])) },
    }),
  };

/** The audit trail's before / after of the probe named. */
const probeChange = (name: string, lists: { before: Probe[]; after: Probe[] }) => ({
  target: `probe:${name}`,
  before: withoutSecrets(lists.before.find((p) => p.name === name)),
  after: withoutSecrets(lists.after.find((p) => p.name === name)),
});

/** What the audit log keeps of a probe: all but its header values (an endpoint's token). */
const audited = (probe: Probe) => ({
  "opsdeck.probe.name": probe.name,
  "opsdeck.probe.type": probe.type,
  "url.original": probe.target,
  "opsdeck.probe.definition": JSON.stringify(withoutSecrets(probe)),
});

const refused = (err: unknown) => {
  if (err instanceof ProbeChangeError) return Response.json({ error: err.message }, { status: err.status });
  throw err;
};

type Params = { params: Promise<{ name: string }> };

export async function POST(req: Request) {
  const change = await changeRequest(req, "operator", portalProbeSchema);
  if (change instanceof Response) return change;
  const probe = change.body;
  let lists;
  try {
    lists = await changeProbes((probes) => {
      if (configuredProbeNames().includes(probe.name) || probes.some((p) => p.name === probe.name))
        throw new ProbeChangeError(409, `a probe named "${probe.name}" already exists`);
      return [...probes, probe];
    });
  } catch (err) {
    return refused(err);
  }
  await audit(change.user, "probe-added", audited(probe), probeChange(probe.name, lists));
  return Response.json({ probe: { name: probe.name } }, { status: 201 });
}

/** The whole probe again; its name is the path's (renaming is remove and add). */
export async function PUT(req: Request, { params }: Params) {
  const { name } = await params;
  const change = await changeRequest(req, "operator", portalProbeSchema);
  if (change instanceof Response) return change;
  if (change.body.name !== name)
    return Response.json(
      { error: `name: "${change.body.name}" is not "${name}" (a probe keeps its name)` },
      { status: 400 },
    );
  let lists;
  try {
    lists = await changeProbes((probes) =>
      changeableProbe(name, probes).map((p) => (p.name === name ? change.body : p)),
    );
  } catch (err) {
    return refused(err);
  }
  await audit(change.user, "probe-changed", audited(change.body), probeChange(name, lists));
  return Response.json({ probe: { name } });
}

export async function PATCH(req: Request, { params }: Params) {
  const { name } = await params;
  const change = await changeRequest(req, "operator", z.object({ enabled: z.boolean() }).strict());
  if (change instanceof Response) return change;
  const { enabled } = change.body;
  let lists;
  try {
    lists = await changeProbes((probes) =>
      changeableProbe(name, probes).map((p) => (p.name === name ? { ...p, enabled } : p)),
    );
  } catch (err) {
    return refused(err);
  }
  await audit(
    change.user,
    enabled ? "probe-enabled" : "probe-disabled",
    { "opsdeck.probe.name": name },
    probeChange(name, lists),
  );
  return Response.json({ name, enabled });
}

export async function DELETE(_req: Request, { params }: Params) {
  const { name } = await params;
  const user = await changingUser("operator");
  if (user instanceof Response) return user;
  let lists;
  try {
    lists = await changeProbes((probes) => changeableProbe(name, probes).filter((p) => p.name !== name));
  } catch (err) {
    return refused(err);
  }
  await audit(user, "probe-removed", { "opsdeck.probe.name": name }, probeChange(name, lists));
  return new Response(null, { status: 204 });
}
