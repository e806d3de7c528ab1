// Page: see features/alerts/AlertsPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/alerts/AlertsPage.tsx";
