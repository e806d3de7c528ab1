"use client";
// Importing log files from the browser: the upload (with its own progress), then the import's
// progress bar (bytes, lines, rate, bad lines) from the server's progress stream; the list of
// imports with search and delete.
import { useCallback, useEffect, useRef, useState } from "react";
import type { Dict } from "@/lib/i18n.ts";
import { dateTime, type Reader } from "@/lib/time.ts";
import { csrf } from "@/lib/api-call.ts";
import { FormError } from "@/ui/FormError.tsx";

export interface ImportRecord {
  id: string;
  name: string;
  status: string;
  bytes_total: number;
  bytes_read: number;
  lines: number;
  docs: number;
  bad_lines: number;
  lines_per_second: number;
  bad_samples?: { file: string; line: number; reason: string; text: string }[];
  first_event_at?: string;
  last_event_at?: string;
  error?: string;
}

export function ImportPanel({
  t,
  reader,
  onSearch,
  onList,
}: {
  t: Dict;
  reader: Reader;
  onSearch: (record: ImportRecord) => void;
  /** Every import, each time the list is read (the page names the import it searches). */
  onList: (imports: ImportRecord[]) => void;
}) {
  // (The first progress event is the bare record: id, name, status; its counts come after.)
  const n = (v: number | undefined) => (v ?? 0).toLocaleString(reader.lang);
  const mb = (b: number | undefined = 0) =>
    `${(b / 2 ** 20).toLocaleString(reader.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} MB`;
  const [imports, setImports] = useState<ImportRecord[]>([]);
  const [upload, setUpload] = useState<{ sent: number; total: number }>();
  const [current, setCurrent] = useState<ImportRecord>();
  const [error, setError] = useState<string>();
  const onListRef = useRef(onList);
  onListRef.current = onList;

  const refresh = useCallback(async () => {
    const r = await fetch("/api/logs/imports");
    if (!r.ok) return;
    const list = ((await r.json()) as { imports: ImportRecord[] }).imports;
    setImports(list);
    onListRef.current(list);
  }, []);
  useEffect(() => void refresh(), [refresh]);

  const follow = (id: string) => {
    const es = new EventSource(`/api/logs/imports/${id}/progress`);
    es.addEventListener("progress", (e) => {
      const r = JSON.parse((e as MessageEvent<string>).data) as ImportRecord;
      setCurrent(r);
      if (r.status !== "running") {
        es.close();
        void refresh();
      }
    });
    es.addEventListener("gone", () => es.close());
  };

  const send = (file: File) => {
    setError(undefined);
    // XMLHttpRequest, not fetch: it reports upload progress.
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/logs/imports?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("x-opsdeck-csrf", csrf());
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => setUpload({ sent: e.loaded, total: e.total });
    xhr.onload = () => {
      setUpload(undefined);
      if (xhr.status !== 202) return setError((JSON.parse(xhr.responseText) as { error: string }).error);
      follow((JSON.parse(xhr.responseText) as { id: string }).id);
    };
    xhr.onerror = () => setError("upload failed");
    xhr.send(file);
  };

  const remove = async (id: string) => {
    const r = await fetch(`/api/logs/imports/${id}`, { method: "DELETE", headers: { "x-opsdeck-csrf": csrf() } });
    if (!r.ok) setError(((await r.json()) as { error: string }).error);
    void refresh();
  };

  const pct = current && current.bytes_total ? Math.round((current.bytes_read / current.bytes_total) * 100) : 0;
  return (
    <details className="card" data-imports>
      <summary>
        <b>{t.import_logs}</b> <span className="muted">{t.import_hint}</span>
      </summary>
      <p className="row-actions">
        <input
          type="file"
          name="import"
          accept=".log,.txt,.gz,.zip,.tar,.tgz,.json,.ndjson"
          onChange={(e) => e.target.files?.[0] && send(e.target.files[0])}
        />
      </p>
      {upload && (
        <div data-upload>
          {t.uploading} <progress max={upload.total} value={upload.sent} /> {mb(upload.sent)} / {mb(upload.total)}
        </div>
      )}
      {current && (
        <div data-import-progress={current.status}>
          <b>{current.name}</b> — {t[`st_${current.status}` as "st_running"] ?? current.status}{" "}
          <progress max={100} value={pct} /> {pct}% · {mb(current.bytes_read)} / {mb(current.bytes_total)} ·{" "}
          {n(current.lines)} {t.lines} · {n(current.lines_per_second)} {t.lines_per_second} · {n(current.bad_lines)}{" "}
          {t.bad_lines}
          {current.error && <span className="error"> {current.error}</span>}
          {!!current.bad_samples?.length && (
            <pre className="log">
              {current.bad_samples
                .slice(0, 5)
                .map((b) => `${b.file}:${b.line} ${b.reason}: ${b.text}`)
                .join("\n")}
            </pre>
          )}
        </div>
      )}
      <FormError error={error} />
      <table>
        <tbody>
          {imports.map((i) => (
            <tr key={i.id} data-import={i.id}>
              <td translate="no">{i.name}</td>
              <td className="nowrap">{t[`st_${i.status}` as "st_running"] ?? i.status}</td>
              <td>
                {n(i.docs)} {t.events} · {n(i.bad_lines)} {t.bad_lines}
                {/* Why it failed, or why nothing came of it, stays in the list once the progress box is gone. */}
                {i.error && (
                  <div className="error" data-import-error>
                    {t.import_failed_because} <span translate="no">{i.error}</span>
                  </div>
                )}
                {!i.error && i.docs === 0 && i.bad_samples?.[0] && (
                  <div className="muted" data-import-error>
                    {t.first_bad_line.replace("{n}", n(i.bad_samples[0].line))}{" "}
                    <span translate="no">{i.bad_samples[0].reason}</span>
                  </div>
                )}
                {i.first_event_at && i.last_event_at && (
                  <div className="muted">
                    {dateTime(i.first_event_at, reader)} – {dateTime(i.last_event_at, reader)}
                  </div>
                )}
              </td>
              <td className="row-actions">
                <button type="button" onClick={() => onSearch(i)}>
                  {t.search}
                </button>
                <button type="button" onClick={() => void remove(i.id)}>
                  {t.delete}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
