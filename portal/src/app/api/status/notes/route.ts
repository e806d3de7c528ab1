// Route: see features/status/notes-api.ts.
export { POST, DELETE } from "@/features/status/notes-api.ts";
