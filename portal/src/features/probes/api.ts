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

/** What the audit log keeps of a probe: all but its header values (an endpoint's token). */
const audited = (probe: Probe) => ({
  "opsdeck.probe.name": probe.name,
  "opsdeck.probe.type": probe.type,
  "url.original": probe.target,
  "opsdeck.probe.definition": JSON.stringify({
    ...probe,
    ...(probe.http && {
      http: { ...probe.http, headers: Object.fromEntries(Object.keys(probe.http.headers).map((h) => [h, "…"])) },
    }),
  }),
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
  try {
    await changeProbes((probes) => {
      if (configuredProbeNames().includes(probe.name) || probes.some((p) => p.name === probe.name))
        throw new ProbeChangeError(409, `a probe named "${probe.name}" already exists`);
      return [...probes, probe];
    });
  } catch (err) {
    return refused(err);
  }
  audit(change.user, "probe-added", audited(probe));
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
  try {
    await changeProbes((probes) => changeableProbe(name, probes).map((p) => (p.name === name ? change.body : p)));
  } catch (err) {
    return refused(err);
  }
  audit(change.user, "probe-changed", audited(change.body));
  return Response.json({ probe: { name } });
}

export async function PATCH(req: Request, { params }: Params) {
  const { name } = await params;
  const change = await changeRequest(req, "operator", z.object({ enabled: z.boolean() }).strict());
  if (change instanceof Response) return change;
  const { enabled } = change.body;
  try {
    await changeProbes((probes) => changeableProbe(name, probes).map((p) => (p.name === name ? { ...p, enabled } : p)));
  } catch (err) {
    return refused(err);
  }
  audit(change.user, enabled ? "probe-enabled" : "probe-disabled", { "opsdeck.probe.name": name });
  return Response.json({ name, enabled });
}

export async function DELETE(_req: Request, { params }: Params) {
  const { name } = await params;
  const user = await changingUser("operator");
  if (user instanceof Response) return user;
  try {
    await changeProbes((probes) => changeableProbe(name, probes).filter((p) => p.name !== name));
  } catch (err) {
    return refused(err);
  }
  audit(user, "probe-removed", { "opsdeck.probe.name": name });
  return new Response(null, { status: 204 });
}
