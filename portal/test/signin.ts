// Signing in through the portal's real form endpoint, for API tests and benchmarks.
export interface Cookie {
  name: string;
  value: string;
}

export async function signIn(base: string, name: string, password: string): Promise<Cookie[]> {
  const res = await fetch(`${base}/api/auth/signin`, {
    method: "POST",
    body: new URLSearchParams({ name, password }),
    redirect: "manual",
  });
  const cookies = res.headers.getSetCookie().map((c) => {
    const [pair] = c.split(";");
    const i = pair.indexOf("=");
    return { name: pair.slice(0, i), value: pair.slice(i + 1) };
  });
  if (!cookies.some((c) => c.name === "opsdeck_session")) throw new Error(`sign-in failed: HTTP ${res.status}`);
  return cookies;
}

export const cookieHeader = (cookies: Cookie[]) => cookies.map((c) => `${c.name}=${c.value}`).join("; ");
