// Page: see features/deploys/DeploysPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/deploys/DeploysPage.tsx";
