import type { ReactNode } from "react";
import { cookies, headers } from "next/headers";
import { Nav } from "@/ui/Nav.tsx";
import { currentSession } from "@/features/auth/auth.ts";
import { config } from "@/lib/config.ts";
import { dict } from "@/lib/i18n.ts";
import "./globals.css";

export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const { t, lang } = await dict();
  const session = await currentSession();
  const theme = (await cookies()).get("theme")?.value === "dark" ? "dark" : "light";
  // Real users' page-load timings (exporters.business.rum), when the portal is a listed site: the
  // script comes through the front door with this request's CSP nonce (proxy.ts).
  const { business } = config().exporters;
  const rum = business.enabled && business.rum.apps.some((app) => app.name === "portal");
  const nonce = /'nonce-([^']+)'/.exec((await headers()).get("content-security-policy") ?? "")?.[1];
  return (
    <html lang={lang} data-theme={theme}>
      <head>
        <title>{t.title}</title>
        {rum && <script src="/ingest/rum.js" data-app="portal" async nonce={nonce} />}
      </head>
      <body>
        {session && <Nav t={t} lang={lang} user={session.user} />}
        {children}
      </body>
    </html>
  );
}
