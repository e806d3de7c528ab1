import type { ReactNode } from "react";
import { cookies } from "next/headers";
import { Nav } from "@/ui/Nav.tsx";
import { currentSession } from "@/features/auth/auth.ts";
import { dict } from "@/lib/i18n.ts";
import "./globals.css";

export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const { t, lang } = await dict();
  const session = await currentSession();
  const theme = (await cookies()).get("theme")?.value === "dark" ? "dark" : "light";
  return (
    <html lang={lang} data-theme={theme}>
      <head>
        <title>{t.title}</title>
      </head>
      <body>
        {session && <Nav t={t} lang={lang} user={session.user} />}
        {children}
      </body>
    </html>
  );
}
