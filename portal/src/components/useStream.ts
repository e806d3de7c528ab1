"use client";
// The tab's one Server-Sent Events stream (/api/stream), shared by every component that listens:
// the EventSource reconnects by itself and sends Last-Event-ID, so the portal replays what
// the tab missed. Closed when the last listener goes.
import { useEffect, useRef, useState } from "react";

type Listener = (event: string, data: unknown) => void;
const listeners = new Set<Listener>();
const liveness = new Set<(live: boolean) => void>();
const EVENTS = ["deploy.deploy", "notifier.notification", "notifier.channel"];
let es: EventSource | undefined;

function open() {
  es = new EventSource("/api/stream");
  es.onopen = () => liveness.forEach((f) => f(true));
  es.onerror = () => liveness.forEach((f) => f(false));
  for (const name of EVENTS)
    es.addEventListener(name, (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as unknown;
      listeners.forEach((f) => f(name, data));
    });
}

/** Calls `onEvent` for every event on the tab's stream; returns whether the stream is connected. */
export function useStream(onEvent: Listener): boolean {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [live, setLive] = useState(false);
  useEffect(() => {
    const l: Listener = (event, data) => handler.current(event, data);
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
