import { CSRF_COOKIE, SESSION_COOKIE } from "@/features/auth/session.ts";

export async function POST(req: Request) {
  const headers = new Headers({ location: "/signin" });
  headers.append("set-cookie", `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`);
  headers.append("set-cookie", `${CSRF_COOKIE}=; Path=/; Max-Age=0; SameSite=Strict`);
  void req;
  return new Response(null, { status: 303, headers });
}
