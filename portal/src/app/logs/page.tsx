// Page: see features/logs/LogsPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/logs/LogsPage.tsx";
