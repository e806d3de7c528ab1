// One deploy: what, who, which commit; its steps with timings and log excerpts; its log. Live.
import Link from "next/link";
import { notFound } from "next/navigation";
import { deployTimelinePath } from "@opsdeck/contracts";
import { currentSession } from "@/features/auth/auth.ts";
import { can } from "@/features/auth/session.ts";
import { DeployDetail } from "@/features/deploys/DeployDetail.tsx";
import { dict } from "@/lib/i18n.ts";
import { deploy } from "@/lib/sources.ts";

export default async function DeployPage({ params }: { params: Promise<{ id: string }> }) {
  const { t, reader } = await dict();
  const { id } = await params;
  const r = await deploy(decodeURIComponent(id));
  // An unknown deploy is a 404 (the not-found page, in the reader's language), not a 200.
  if (r.ok && !r.data) notFound();
  return (
    <main>
      <p className="row-actions">
        <Link href="/deploys">← {t.deploys}</Link>
        {/* What followed it: alerts, restarts, errors, the KPIs, on one axis. */}
        {r.ok && r.data && (
          <Link href={deployTimelinePath(r.data)} data-timeline-link>
            {t.timeline_link} →
          </Link>
        )}
      </p>
      {!r.ok ? (
        <p className="error" role="alert">
          {t.source_error}: {r.error}
        </p>
      ) : (
        <DeployDetail initial={r.data!} canMark={can(await currentSession(), "operator")} t={t} reader={reader} />
      )}
    </main>
  );
}
