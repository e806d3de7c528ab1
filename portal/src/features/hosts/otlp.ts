// The front door's check of an app's request metrics (nginx auth_request before Prometheus' OTLP
// receiver): the app's preload sends its host's name and token (OPSDECK_HOST_NAME,
// OPSDECK_HOST_TOKEN); 204 for a listed, enabled host whose token matches, 401 otherwise.
import { checkHostToken } from "@opsdeck/core/hosts/push-auth";
import { watchedHosts } from "./host-lists.ts";
import { hostTokenAnswer } from "./push.ts";

export async function GET(req: Request) {
  return hostTokenAnswer(checkHostToken(watchedHosts(), req.headers.get("authorization") ?? undefined, "otlp"), "otlp");
}
