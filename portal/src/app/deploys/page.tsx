import { DeploysLive } from "@/components/DeploysLive.tsx";
import { dict } from "@/lib/i18n.ts";
import { deploys } from "@/lib/sources.ts";

export const dynamic = "force-dynamic";

export default async function Deploys() {
  const { t } = await dict();
  const r = await deploys("limit=100");
  return (
    <main>
      <h1>{t.deploys}</h1>
      {r.ok ? (
        <DeploysLive initial={r.data.deploys} t={t} />
      ) : (
        <p className="error" role="alert">
          {t.source_error}: {r.error}
        </p>
      )}
    </main>
  );
}
