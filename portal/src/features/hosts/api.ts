// The Hosts page's API: add a host, enable or disable one, remove one. Operators and admins;
// CSRF-checked; every change is audited and on disk (hosts file and target files) before the answer.
import { z } from "zod";
import { hostSchema } from "@opsdeck/core";
import { audit } from "@/lib/audit.ts";
import { deniedResponse, requireChange } from "@/features/auth/auth.ts";
import { changeable, changeHostsFile, HostChangeError, watchedHosts } from "./host-lists.ts";

const problem = (err: z.ZodError) => {
  const i = err.issues[0];
  return Response.json({ error: `${i.path.join(".") || "(body)"}: ${i.message}` }, { status: 400 });
};

async function guarded(req: Request, handle: (user: string, body: unknown) => Promise<Response>) {
  let user: string;
  try {
    user = (await requireChange("operator")).user;
  } catch (err) {
    return deniedResponse(err);
  }
  let body: unknown;
  if (req.method !== "DELETE")
    try {
      body = await req.json();
    } catch {
      return Response.json({ error: "invalid JSON" }, { status: 400 });
    }
  try {
    return await handle(user, body);
  } catch (err) {
    if (err instanceof HostChangeError) return Response.json({ error: err.message }, { status: err.status });
    throw err;
  }
}

export const POST = (req: Request) =>
  guarded(req, async (user, body) => {
    const p = hostSchema.safeParse(body);
    if (!p.success) return problem(p.error);
    const host = p.data;
    if (watchedHosts().some((h) => h.name === host.name))
      throw new HostChangeError(409, `a host named "${host.name}" is already listed`);
    await changeHostsFile((hosts) => [...hosts, host]);
    await audit(
      user,
      "host-added",
      {
        "host.name": host.name,
        "opsdeck.host.address": host.address,
        "opsdeck.host.labels": JSON.stringify(host.labels),
      },
      { target: `host:${host.name}`, after: host },
    );
    return Response.json({ host }, { status: 201 });
  });

const patchSchema = z.object({ enabled: z.boolean() }).strict();
type Params = { params: Promise<{ name: string }> };

export const PATCH = async (req: Request, { params }: Params) =>
  guarded(req, async (user, body) => {
    const { name } = await params;
    const p = patchSchema.safeParse(body);
    if (!p.success) return problem(p.error);
    changeable(name);
    const before = watchedHosts().find((h) => h.name === name);
    await changeHostsFile((hosts) => hosts.map((h) => (h.name === name ? { ...h, enabled: p.data.enabled } : h)));
    await audit(
      user,
      p.data.enabled ? "host-enabled" : "host-disabled",
      { "host.name": name },
      { target: `host:${name}`, before, after: before && { ...before, enabled: p.data.enabled } },
    );
    return Response.json({ name, enabled: p.data.enabled });
  });

export const DELETE = async (req: Request, { params }: Params) =>
  guarded(req, async (user) => {
    const { name } = await params;
    changeable(name);
    const before = watchedHosts().find((h) => h.name === name);
    await changeHostsFile((hosts) => hosts.filter((h) => h.name !== name));
    await audit(user, "host-removed", { "host.name": name }, { target: `host:${name}`, before });
    return new Response(null, { status: 204 });
  });
