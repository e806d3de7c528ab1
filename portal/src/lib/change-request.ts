// The start of every change an operator makes through the portal's API: a session with the role
// (CSRF-checked, our own Origin), a JSON body, and that body valid — or the answer that says
// which of the three it is not (401 / 403, 400 naming the field).
import type { z } from "zod";
import type { Role } from "@opsdeck/core";
import { deniedResponse, requireChange } from "@/features/auth/auth.ts";

/** The first problem of a body, as the API answers it. */
export function invalidBody(err: z.ZodError): Response {
  const issue = err.issues[0];
  return Response.json({ error: `${issue.path.join(".") || "body"}: ${issue.message}` }, { status: 400 });
}

/** The user making a change with the role (a session, CSRF-checked), or the refusal to answer. */
export async function changingUser(role: Role): Promise<string | Response> {
  try {
    return (await requireChange(role)).user;
  } catch (err) {
    return deniedResponse(err);
  }
}

/** A request's JSON body, valid for the schema, or the 400 that says why not. */
export async function parseBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S> | Response> {
  let json: unknown;
  try {
    json = await req.json();
  } catch {
    return Response.json({ error: "invalid JSON" }, { status: 400 });
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : invalidBody(parsed.error);
}

export async function changeRequest<S extends z.ZodType>(
  req: Request,
  role: Role,
  schema: S,
): Promise<{ user: string; body: z.infer<S> } | Response> {
  const user = await changingUser(role);
  if (user instanceof Response) return user;
  const body = await parseBody(req, schema);
  return body instanceof Response ? body : { user, body };
}
