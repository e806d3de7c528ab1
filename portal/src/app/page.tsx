// Page: see features/overview/OverviewPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/overview/OverviewPage.tsx";
