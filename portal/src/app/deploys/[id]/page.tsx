// Page: see features/deploys/DeployPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/deploys/DeployPage.tsx";
