// Every option filebeat/filebeat.yml uses, by where it is used, with the documentation of both
// Filebeats that run the file: 7.17 (its asciidoc, in the Go module scripts/build-filebeat.sh
// builds from, read by filebeat.test.ts) and 8.x (the reference pages, checked by hand when an
// option is added here). Filebeat ignores an option it does not know without a word, so an option
// one of them lacks would silently do nothing there.
const V8 = "https://www.elastic.co/guide/en/beats/filebeat/8.19";

export interface Documented {
  options: string[];
  /** Files in github.com/elastic/beats/v7@v7.17.29 that document them. */
  v7: string[];
  v8: string;
}

const processor = (name: string, options: string[], dir = name): Documented => ({
  options,
  // Conditions (`when`) are documented once for every processor.
  v7: [`libbeat/processors/${dir}/docs/${name}.asciidoc`, "libbeat/docs/processors-using.asciidoc"],
  v8: `${V8}/${name.replaceAll("_", "-")}.html`,
});
const action = (name: string, options: string[]) => processor(name, options, "actions");

export const DOCUMENTED: Record<string, Documented> = {
  root: {
    options: [
      "filebeat.inputs",
      "processors",
      "output.elasticsearch",
      "setup.template.enabled",
      "setup.template.name",
      "setup.template.pattern",
      "setup.ilm.enabled",
      "http.enabled",
      "http.host",
      "http.port",
    ],
    v7: [
      "filebeat/docs/filebeat-options.asciidoc",
      "libbeat/docs/processors-using.asciidoc",
      "libbeat/outputs/elasticsearch/docs/elasticsearch.asciidoc",
      "libbeat/docs/template-config.asciidoc",
      "libbeat/docs/shared-ilm.asciidoc",
      "libbeat/docs/http-endpoint.asciidoc",
    ],
    v8: `${V8}/configuring-howto-filebeat.html`,
  },
  "output.elasticsearch": {
    options: [
      "hosts",
      "username",
      "password",
      "api_key",
      "path",
      "index",
      "indices",
      "indices[].index",
      "indices[].when",
      "bulk_max_size",
      "compression_level",
    ],
    v7: ["libbeat/outputs/elasticsearch/docs/elasticsearch.asciidoc"],
    v8: `${V8}/elasticsearch-output.html`,
  },
  "input.filestream": {
    options: [
      "type",
      "id",
      "paths",
      "prospector.scanner.exclude_files",
      "prospector.scanner.check_interval",
      "parsers",
      "fields_under_root",
      "fields",
      "processors",
    ],
    v7: [
      "filebeat/docs/inputs/input-filestream.asciidoc",
      "filebeat/docs/inputs/input-filestream-file-options.asciidoc",
      "filebeat/docs/inputs/input-filestream-reader-options.asciidoc",
      "filebeat/docs/inputs/input-common-options.asciidoc",
    ],
    v8: `${V8}/filebeat-input-filestream.html`,
  },
  "parser.multiline": {
    options: ["type", "pattern", "negate", "match", "max_lines", "timeout"],
    v7: ["filebeat/docs/inputs/input-filestream-reader-options.asciidoc", "filebeat/docs/multiline.asciidoc"],
    v8: `${V8}/multiline-examples.html`,
  },
  "parser.ndjson": {
    options: ["target", "add_error_key", "overwrite_keys", "expand_keys", "ignore_decoding_error"],
    v7: ["filebeat/docs/inputs/input-filestream-reader-options.asciidoc"],
    v8: `${V8}/filebeat-input-filestream.html#_ndjson`,
  },
  condition: {
    options: ["regexp", "not", "has_fields", "or", "equals"],
    v7: ["libbeat/docs/processors-using.asciidoc"],
    v8: `${V8}/defining-processors.html#conditions`,
  },
  "parser.container": {
    options: ["format", "stream"],
    v7: ["filebeat/docs/inputs/input-filestream-reader-options.asciidoc"],
    v8: `${V8}/filebeat-input-filestream.html#_container`,
  },
  "processor.drop_event": action("drop_event", ["when"]),
  "processor.decode_json_fields": action("decode_json_fields", ["fields", "target", "max_depth", "when"]),
  "processor.script": processor("script", ["lang", "tag", "source"]),
  "processor.timestamp": processor("timestamp", ["field", "timezone", "layouts", "ignore_missing", "ignore_failure"]),
  "processor.drop_fields": action("drop_fields", ["fields", "ignore_missing"]),
  "processor.rename": action("rename", ["fields", "fields[].from", "fields[].to", "ignore_missing", "fail_on_error"]),
  "processor.dissect": processor("dissect", [
    "tokenizer",
    "field",
    "target_prefix",
    "overwrite_keys",
    "ignore_failure",
  ]),
  "processor.convert": processor("convert", [
    "fields",
    "fields[].from",
    "fields[].type",
    "ignore_missing",
    "fail_on_error",
  ]),
  "processor.add_fields": action("add_fields", ["target", "fields", "when"]),
  "processor.add_host_metadata": processor("add_host_metadata", ["netinfo.enabled"]),
};
