// One deploy: what, who, which commit; its steps with timings and log excerpts; its log. Live.
import Link from "next/link";
import { DeployDetail } from "@/features/deploys/DeployDetail.tsx";
import { dict } from "@/lib/i18n.ts";
import { deploy } from "@/lib/sources.ts";

export default async function DeployPage({ params }: { params: Promise<{ id: string }> }) {
  const { t, reader } = await dict();
  const { id } = await params;
  const r = await deploy(decodeURIComponent(id));
  return (
    <main>
      <p>
        <Link href="/deploys">← {t.deploys}</Link>
      </p>
      {!r.ok ? (
        <p className="error" role="alert">
          {t.source_error}: {r.error}
        </p>
      ) : r.data ? (
        <DeployDetail initial={r.data} t={t} reader={reader} />
      ) : (
        <p className="error" role="alert">
          {t.deploy_not_found}
        </p>
      )}
    </main>
  );
}
