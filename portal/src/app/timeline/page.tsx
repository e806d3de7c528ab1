// Page: see features/timeline/TimelinePage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/timeline/TimelinePage.tsx";
