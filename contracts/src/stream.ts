// The portal's one event stream per tab (/api/stream): the deploy exporter's and the notifier's
// events, renamed `<source>.<event>`.
import type { DeployStreamEvent } from "./deploys.ts";
import type { ChannelView, NotificationSummary } from "./notifications.ts";

export type PortalStreamEvent =
  | { event: "deploy.deploy"; data: DeployStreamEvent }
  | { event: "notifier.notification"; data: NotificationSummary }
  | { event: "notifier.channel"; data: ChannelView };

export const PORTAL_STREAM_EVENTS: PortalStreamEvent["event"][] = [
  "deploy.deploy",
  "notifier.notification",
  "notifier.channel",
];
