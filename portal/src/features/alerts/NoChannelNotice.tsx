// Said loudly where people look for alerts (Overview, Alerts): alerts that go nowhere. Either the
// notifier has no channel at all (a fresh stack), or notifications arrived for receivers that no
// channel serves (counted by the notifier, opsdeck_notifier_undeliverable_total).
import { dict } from "@/lib/i18n.ts";
import { notifierChannels, promQuery } from "@/lib/sources.ts";

export async function NoChannelNotice() {
  const { t } = await dict();
  const [channels, lost] = await Promise.all([
    notifierChannels(),
    // max_over_time, not increase(): a receiver's counter is born at 1 with its first lost
    // notification, and increase() of a series that starts at 1 is 0 — which hid every receiver
    // but the first (a tour saw only `default` named while `info` and `critical` were lost too).
    promQuery("sum by (receiver) (max_over_time(opsdeck_notifier_undeliverable_total[1d])) > 0"),
  ]);
  const none = channels.ok && channels.data.channels.filter((c) => c.type !== "removed").length === 0;
  const receivers = lost.ok ? lost.data.map((s) => s.metric.receiver).filter(Boolean) : [];
  if (!none && receivers.length === 0) return null;
  return (
    <section className="card notice-critical" role="alert" data-widget="no-channel">
      <h2>{none ? t.no_channel_title : t.undeliverable_title}</h2>
      {receivers.length > 0 && (
        <p>
          {t.undeliverable_receivers}{" "}
          {receivers.map((r) => (
            <code key={r}>{r}</code>
          ))}
        </p>
      )}
      <p>{t.no_channel_how}</p>
    </section>
  );
}
