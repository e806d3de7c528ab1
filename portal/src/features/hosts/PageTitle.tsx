// A page's heading, with the host it is kept to (?host=) after a dash.
export function PageTitle({ title, host }: { title: string; host?: string }) {
  return (
    <h1>
      {title}
      {host && (
        <>
          {" — "}
          <span translate="no" data-host-filter>
            {host}
          </span>
        </>
      )}
    </h1>
  );
}
