// Route: see features/alerts/channel-test.ts.
export { POST } from "@/features/alerts/channel-test.ts";
