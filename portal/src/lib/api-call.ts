// The browser's side of the portal's write APIs: every change carries the CSRF token from the
// opsdeck_csrf cookie, and a refusal comes back as the API's own words.

export const csrf = () =>
  document.cookie
    .split("; ")
    .find((c) => c.startsWith("opsdeck_csrf="))
    ?.split("=")[1] ?? "";

/** Sends a JSON change; throws with the API's `error` (or the status) when it is refused; resolves with its answer. */
export async function call(method: string, url: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", "x-opsdeck-csrf": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new Error(answer.error ?? `HTTP ${res.status}`);
  return answer;
}
