#!/bin/bash
# Builds OpsDeck's small Elasticsearch module (SecurityIndexAnalysis.java beside this file) into
# the test distribution's modules/, so that it can keep native users, roles and API keys:
# the .security index's mapping needs three analysis components of the analysis-common module,
# which that distribution leaves out. Compiled against the distribution's own jars; run by
# scripts/setup.sh, again whenever the source is newer than the built module.
#
#   bash stack/elasticsearch-analysis/build.sh <elasticsearch home> <version>
set -euo pipefail
es_home=$1
version=$2
here=$(cd "$(dirname "$0")" && pwd)
module=$es_home/modules/opsdeck-security-analysis
jar=$module/opsdeck-security-analysis.jar
[ -f "$jar" ] && [ "$jar" -nt "$here/SecurityIndexAnalysis.java" ] && exit 0
echo "setup: building the Elasticsearch module opsdeck-security-analysis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
javac --release 17 -nowarn -d "$work/classes" -cp "$es_home/lib/*" "$here/SecurityIndexAnalysis.java"
mkdir -p "$module"
jar cf "$work/module.jar" -C "$work/classes" .
cat > "$module/plugin-descriptor.properties" <<PROPERTIES
description=The analysis components the .security index needs (uax_url_email, pattern_capture, unique): OpsDeck's stand-in for analysis-common
version=$version
name=opsdeck-security-analysis
classname=dev.opsdeck.analysis.SecurityIndexAnalysis
java.version=17
elasticsearch.version=$version
PROPERTIES
mv "$work/module.jar" "$jar"
