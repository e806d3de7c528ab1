// The portal's API: every path and the methods it takes. The server answers anything else with
// a JSON 404 or 405 itself (Next would answer HTML); src/api-routes.test.ts checks every route file
// under src/app/api/ is here with exactly the methods it exports.
/** The portal's API and the methods each route takes: anything else is a JSON 404 or 405 here, not Next's HTML. */
export const API: [RegExp, string[]][] = [
  [/^\/api\/auth\/(signin|signout)$/, ["POST"]],
  // The front door's sign-in check and its redirect to the sign-in (nginx auth_request).
  [/^\/api\/auth\/(check|signin-redirect|agent|agent-logs|agent-otlp)$/, ["GET"]],
  [/^\/api\/silences$/, ["POST", "DELETE"]],
  [/^\/api\/maintenance$/, ["GET", "POST", "DELETE"]],
  // Recurring maintenance windows (weekdays and hours in a time zone): list and add; remove.
  [/^\/api\/maintenance\/recurring$/, ["GET", "POST"]],
  [/^\/api\/maintenance\/recurring\/[^/]+$/, ["DELETE"]],
  [/^\/api\/status\/notes$/, ["POST", "DELETE"]],
  [/^\/api\/channels\/test$/, ["POST"]],
  // A deploy's "caused an incident" mark (operators).
  [/^\/api\/deploys\/[^/]+\/incident$/, ["POST"]],
  // The Hosts page: add; enable / disable, remove.
  [/^\/api\/hosts$/, ["POST"]],
  [/^\/api\/hosts\/[^/]+$/, ["PATCH", "DELETE"]],
  // …and a host's log key: issue (a new one), revoke.
  [/^\/api\/hosts\/[^/]+\/log-key$/, ["POST", "DELETE"]],
  // The Probes page: add; change, enable / disable, remove.
  [/^\/api\/probes$/, ["POST"]],
  [/^\/api\/probes\/[^/]+$/, ["PUT", "PATCH", "DELETE"]],
  // A vantage point's agent fetches its probe modules (its host token, no session).
  [/^\/api\/agent\/probes$/, ["GET"]],
  // A push host's agent fetches its recovery actions and answers them (its host token, no session).
  [/^\/api\/agent\/actions$/, ["GET"]],
  [/^\/api\/agent\/actions\/[^/]+$/, ["POST"]],
  // The Rules page: list and create; change, enable / disable, remove; check, backtest and
  // test-fire before saving; a group's rule file out, a rule file in.
  [/^\/api\/alerts\/rules$/, ["GET", "POST"]],
  [/^\/api\/alerts\/rules\/(check|backtest|test-fire|import)$/, ["POST"]],
  [/^\/api\/alerts\/rules\/export$/, ["GET"]],
  [/^\/api\/alerts\/rules\/[^/]+$/, ["PUT", "PATCH", "DELETE"]],
  // Recovery actions from an alert (operators): run one; the ones run for an alert.
  [/^\/api\/recovery\/actions$/, ["GET", "POST"]],
  // The audit trail (admins and operators).
  [/^\/api\/(health|stream|changes|changes\/summary|timeline|audit)$/, ["GET"]],
  [/^\/api\/logs\/(search|context|tail|export)$/, ["GET"]],
  [/^\/api\/logs\/imports$/, ["GET", "POST"]],
  [/^\/api\/logs\/imports\/[^/]+$/, ["DELETE"]],
  [/^\/api\/logs\/imports\/[^/]+\/progress$/, ["GET"]],
];
