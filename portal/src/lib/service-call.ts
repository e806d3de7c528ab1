// An operator's action passed on to one of OpsDeck's services (the deploy exporter, the
// notifier) with that service's token, which only the portal's server holds: the service's
// answer, or the response the portal gives instead — 503 when the token is not configured, 502
// when the service cannot be reached or fails, its own refusals (404, 409…) passed to the reader.
export async function callService<T>(o: {
  /** As the reader sees it in an error: "deploy exporter", "notifier". */
  service: string;
  url: URL;
  token: string | undefined;
  /** The opsdeck.yml key that holds the token, named when it is missing. */
  tokenKey: string;
  body?: unknown;
  /** The service's statuses that are the reader's to see; any other failure is a 502. */
  passed: number[];
}): Promise<{ answer: T; response?: undefined } | { response: Response }> {
  if (!o.token)
    return { response: Response.json({ error: `${o.tokenKey} is not set in opsdeck.yml` }, { status: 503 }) };
  const res = await fetch(o.url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${o.token}`,
      ...(o.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    signal: AbortSignal.timeout(5000),
  }).catch((e: Error) => e);
  if (res instanceof Error)
    return { response: Response.json({ error: `${o.service}: ${res.message}` }, { status: 502 }) };
  const answer = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok)
    return {
      response: Response.json(
        { error: answer.error ?? `${o.service}: HTTP ${res.status}` },
        { status: o.passed.includes(res.status) ? res.status : 502 },
      ),
    };
  return { answer };
}
