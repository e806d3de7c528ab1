// Route: see features/recovery/pull.ts.
export { POST } from "@/features/recovery/pull.ts";
