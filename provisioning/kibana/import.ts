// Imports OpsDeck's saved objects into an existing Kibana (the compose stack's init job does the
// same with importSavedObjects):
//   KIBANA_URL=http://kibana:5601/kibana KIBANA_USERNAME=elastic KIBANA_PASSWORD=… \
//     npx tsx provisioning/kibana/import.ts
// OPSDECK_INDEX_PREFIX (default opsdeck) rewrites the data views' index patterns.
import { importSavedObjects } from "./import-objects.ts";
import { savedObjects, toNdjson } from "./saved-objects.ts";

{
  const url = process.env.KIBANA_URL;
  if (!url) {
    console.error("KIBANA_URL is required (Kibana's URL with its base path)");
    process.exit(2);
  }
  importSavedObjects({
    url,
    username: process.env.KIBANA_USERNAME,
    password: process.env.KIBANA_PASSWORD,
    ndjson: toNdjson(savedObjects(process.env.OPSDECK_INDEX_PREFIX || "opsdeck")),
    log: (line) => console.log(line),
  }).then(
    ({ imported }) => console.log(`kibana: imported ${imported} saved objects`),
    (err: Error) => {
      console.error(`kibana: ${err.message}`);
      process.exit(1);
    },
  );
}
