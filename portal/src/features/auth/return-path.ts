// The page to open after signing in, from the `next` the front door or the portal sent along.
const hasControl = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/**
 * Where to go after signing in: a path on this site (the front door sends the page that asked
 * for a sign-in), never another site — so no scheme, no `//host`, no backslashes browsers read as
 * slashes, no control characters. Anything else: the overview.
 */
export function returnPath(next: string | null | undefined): string {
  if (!next || next.length > 2048) return "/";
  if (!next.startsWith("/") || next.startsWith("//") || next.includes("\\") || hasControl(next)) return "/";
  try {
    const url = new URL(next, "http://portal.invalid");
    return url.origin === "http://portal.invalid" ? `${url.pathname}${url.search}${url.hash}` : "/";
  } catch {
    return "/";
  }
}
