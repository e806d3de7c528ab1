// Page: see features/dashboards/DashboardsPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/dashboards/DashboardsPage.tsx";
