"use client";
// The tab's one Server-Sent Events stream (/api/stream), shared by every component that listens:
// the EventSource reconnects by itself and sends Last-Event-ID, so the portal replays what
// the tab missed. Closed when the last listener goes.
import { PORTAL_STREAM_EVENTS, type PortalStreamEvent } from "@opsdeck/contracts/stream";
import { useEffect, useRef, useState } from "react";

type Listener = (message: PortalStreamEvent) => void;
const listeners = new Set<Listener>();
const liveness = new Set<(live: boolean) => void>();
let es: EventSource | undefined;

function open() {
  es = new EventSource("/api/stream");
  es.onopen = () => liveness.forEach((f) => f(true));
  es.onerror = () => liveness.forEach((f) => f(false));
  for (const event of PORTAL_STREAM_EVENTS)
    es.addEventListener(event, (e) => {
      // The portal relays what the deploy exporter and the notifier made from these contracts.
      const message = { event, data: JSON.parse((e as MessageEvent<string>).data) } as PortalStreamEvent;
      listeners.forEach((f) => f(message));
    });
}

/** Calls `onEvent` for every event on the tab's stream; returns whether the stream is connected. */
export function useStream(onEvent: Listener): boolean {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [live, setLive] = useState(false);
  useEffect(() => {
    const l: Listener = (message) => handler.current(message);
    listeners.add(l);
    liveness.add(setLive);
    if (!es) open();
    else setLive(es.readyState === EventSource.OPEN);
    return () => {
      listeners.delete(l);
      liveness.delete(setLive);
      if (!listeners.size) {
        es?.close();
        es = undefined;
      }
    };
  }, []);
  return live;
}
