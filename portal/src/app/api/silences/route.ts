// Route: see features/alerts/silences.ts.
export { POST, DELETE } from "@/features/alerts/silences.ts";
