// Signing in through the portal's real form endpoint, for API tests and benchmarks; and a browser
// page signed in through the form, with the API as that page's code calls it.
import type { Page } from "playwright-core";
import { hashPassword } from "@opsdeck/core";
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

/** Signs a browser page in through the sign-in form, from the redirect a page under `path` gives. */
export async function signInPage(page: Page, front: string, path: string, name: string, password: string) {
  await page.goto(front + path);
  await page.waitForURL(/\/signin/);
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
}

/** A request from the signed-in page, with its CSRF token, as the page's own code sends it. */
export async function pageApi(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const csrf = (await page.context().cookies()).find((c) => c.name === "opsdeck_csrf")?.value ?? "";
  return page.evaluate(
    async ({ method, path, body, csrf }) => {
      const res = await fetch(path, {
        method,
        headers: { "content-type": "application/json", "x-opsdeck-csrf": csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: res.status === 204 ? {} : await res.json().catch(() => ({})) };
    },
    { method, path, body, csrf },
  );
}

/** Test users as portal.users lists them: each password as its hash. */
export const withHashes = <U extends { password: string }>(users: U[]) =>
  Promise.all(users.map(async ({ password, ...u }) => ({ ...u, password_hash: await hashPassword(password) })));
