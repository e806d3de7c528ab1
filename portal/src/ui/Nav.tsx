"use client";
// The top bar: pages, language and theme switches, sign-out.
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect } from "react";
import type { Dict, Lang } from "@/lib/i18n.ts";

export function Nav({ t, lang, user }: { t: Dict; lang: Lang; user?: string }) {
  const path = usePathname();
  const router = useRouter();
  const links: [string, string][] = [
    ["/", t.overview],
    ["/deploys", t.deploys],
    ["/hosts", t.hosts],
    ["/system", t.system],
    ["/processes", t.processes],
    ["/services", t.services],
    ["/business", t.business],
    ["/probes", t.probes],
    ["/alerts", t.alerts],
    ["/rules", t.rules_title],
    ["/timeline", t.timeline],
    ["/logs", t.logs],
    ["/dashboards", t.dashboards],
    ["/audit", t.audit],
  ];
  const setCookie = (k: string, v: string) => (document.cookie = `${k}=${v}; Path=/; Max-Age=31536000; SameSite=Lax`);
  // The server renders times in the zone the browser reports; tell it once, and again after a move.
  useEffect(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!document.cookie.split("; ").includes(`tz=${zone}`)) {
      setCookie("tz", zone);
      router.refresh();
    }
  }, [router]);
  return (
    <header className="top">
      <span className="brand">OpsDeck</span>
      <nav>
        {links.map(([href, label]) => (
          <Link key={href} href={href} aria-current={path === href ? "page" : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      <button
        onClick={() => {
          setCookie("lang", lang === "en" ? "zh-CN" : "en");
          router.refresh();
        }}
      >
        {t.language}
      </button>
      <button
        aria-label={t.theme}
        onClick={() => {
          const dark = document.documentElement.dataset.theme !== "dark";
          document.documentElement.dataset.theme = dark ? "dark" : "light";
          setCookie("theme", dark ? "dark" : "light");
        }}
      >
        ◐
      </button>
      {user && (
        <form method="post" action="/api/auth/signout">
          <span className="muted" translate="no">
            {user}{" "}
          </span>
          <button type="submit">{t.sign_out}</button>
        </form>
      )}
    </header>
  );
}
