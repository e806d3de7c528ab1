"use client";
// The DORA figures come from the deploy exporter's statistics, computed server-side: when a
// deploy starts or ends (a new project among them), ask for them again, at most every 2 s.
import { useRouter } from "next/navigation";
import { useRef, type ReactNode } from "react";
import { useStream } from "../live/useStream.ts";

export function RefreshOnDeploy({ children }: { children: ReactNode }) {
  const router = useRouter();
  const pending = useRef<ReturnType<typeof setTimeout>>(undefined);
  const seen = useRef(new Map<string, string>());
  useStream((message) => {
    if (message.event !== "deploy.deploy") return;
    const { id, status } = message.data.deploy;
    // Steps advancing change no figure; a deploy appearing or changing status does.
    if (seen.current.get(id) === status) return;
    seen.current.set(id, status);
    clearTimeout(pending.current);
    pending.current = setTimeout(() => router.refresh(), 2000);
  });
  return <div data-live-stats>{children}</div>;
}
