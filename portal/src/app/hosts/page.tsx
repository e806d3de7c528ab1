// Page: see features/hosts/HostsPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/hosts/HostsPage.tsx";
