#!/usr/bin/env bash
# Re-vendor the Mermaid (and d3, and ELK layout) browser bundles that sphinx-incidents serves
# from the built site's own _static/ folder, so that rendered pages never contact a CDN and
# render when opened from disk (file://).
#
# Usage:  tools/update_mermaid.sh [MERMAID_VERSION] [D3_VERSION] [ELK_VERSION] [ESBUILD_VERSION]
#         (defaults: 11.17.2, 7.9.0, 0.1.4 and 0.28.2; needs npm, node, tar and a reachable npm
#         registry)
#
# What is written into sphinx_incidents/sphinxext/static/mermaid/:
#   mermaid.min.js      Mermaid's classic (IIFE) build; it sets globalThis.mermaid. A classic
#       <script src> loads from file:// too, where Chromium blocks every ES module import
#       (origin "null" fails CORS); sphinxcontrib-mermaid's `import mermaid from ...` is
#       pointed at a data: module re-exporting globalThis.mermaid (mermaid_assets.py).
#   mermaid-global.mjs  that module as a file, for the URL sphinxcontrib-mermaid >= 2.0.2
#       resolves itself (rewritten to the data: URL on each page; the file is the fallback).
#   LICENSE             Mermaid's MIT licence (the bundle keeps its dependencies' notices).
#   d3/d3.min.js, d3/LICENSE   d3 (ISC): sphinxcontrib-mermaid 1.x loads it on every page
#       with a diagram, 2.x only for :zoom:.
#   elk/mermaid-layout-elk.min.js   the ELK layout (@mermaid-js/layout-elk, MIT, the release
#       sphinxcontrib-mermaid 1.x loads by default) with elkjs (EPL-2.0) and the parts of d3
#       it uses, bundled by esbuild into one classic script that registers the layouts with
#       globalThis.mermaid. Served only on pages whose diagrams ask for ELK.
#   elk/LICENSE-layout-elk (MIT), elk/LICENSE-elkjs (EPL-2.0), elk/NOTICE (where the source
#       code is, as EPL-2.0 section 3.1 asks).
#   VERSIONS            provenance, read by nobody.
# Source maps are not copied.
#
# Mermaid 12 exists, but both sphinxcontrib-mermaid lines were written against 11.x
# (their defaults are 11.2.0 and 11.12.1); stay on the newest 11.x unless tested.
set -euo pipefail

MERMAID_VERSION="${1:-11.17.2}"
D3_VERSION="${2:-7.9.0}"
ELK_VERSION="${3:-0.1.4}"
ESBUILD_VERSION="${4:-0.28.2}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/../sphinx_incidents/sphinxext/static/mermaid"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "mermaid@$MERMAID_VERSION" "d3@$D3_VERSION" >/dev/null)
mkdir "$work/mermaid" "$work/d3"
tar -xzf "$work"/mermaid-*.tgz -C "$work/mermaid"
tar -xzf "$work"/d3-*.tgz -C "$work/d3"
m="$work/mermaid/package"
d="$work/d3/package"

license="$(node -p "require('$m/package.json').license")"
if [ "$license" != "MIT" ]; then
  echo "mermaid@$MERMAID_VERSION is licensed '$license', not MIT: refusing to vendor" >&2
  exit 1
fi
test -f "$m/dist/mermaid.min.js" || { echo "no dist/mermaid.min.js" >&2; exit 1; }

# The ELK layout: install it (with elkjs and d3) and esbuild, bundle one classic script.
elk="$work/elk"
mkdir "$elk"
(cd "$elk" && npm init -y >/dev/null \
  && npm install --silent --no-audit --no-fund --ignore-scripts=false \
     "@mermaid-js/layout-elk@$ELK_VERSION" "esbuild@$ESBUILD_VERSION" "mermaid@$MERMAID_VERSION")
elk_license="$(node -p "require('$elk/node_modules/@mermaid-js/layout-elk/package.json').license")"
elkjs_version="$(node -p "require('$elk/node_modules/elkjs/package.json').version")"
elkjs_license="$(node -p "require('$elk/node_modules/elkjs/package.json').license")"
if [ "$elk_license" != "MIT" ] || [ "$elkjs_license" != "EPL-2.0" ]; then
  echo "layout-elk is '$elk_license', elkjs '$elkjs_license' (expected MIT, EPL-2.0)" >&2
  exit 1
fi
cat > "$elk/entry.mjs" <<'EOF'
// Registers Mermaid's ELK layouts ("elk", "elk.stress", ...) with the classic build's
// global Mermaid; loaded after mermaid.min.js, before any diagram is drawn.
import elkLayouts from "@mermaid-js/layout-elk/dist/mermaid-layout-elk.core.mjs";
if (globalThis.mermaid) {
  globalThis.mermaid.registerLayoutLoaders(elkLayouts);
}
EOF
(cd "$elk" && ./node_modules/.bin/esbuild entry.mjs --bundle --format=iife --minify \
  --legal-comments=eof --log-level=warning --outfile=mermaid-layout-elk.min.js)

# File names are stable, but start from an empty folder so nothing stale survives.
rm -rf "$dest"
mkdir -p "$dest/d3" "$dest/elk"
cp "$m/dist/mermaid.min.js" "$dest/"
printf '%s\n' \
  "// The module sphinxcontrib-mermaid imports: Mermaid is loaded by mermaid.min.js." \
  "export default globalThis.mermaid;" > "$dest/mermaid-global.mjs"
cp "$m/LICENSE" "$dest/LICENSE"
cp "$d/dist/d3.min.js" "$d/LICENSE" "$dest/d3/"
cp "$elk/mermaid-layout-elk.min.js" "$dest/elk/"
cp "$elk/node_modules/@mermaid-js/layout-elk/LICENSE" "$dest/elk/LICENSE-layout-elk"
cp "$elk/node_modules/elkjs/LICENSE.md" "$dest/elk/LICENSE-elkjs"
{
  echo "mermaid-layout-elk.min.js bundles, unmodified:"
  echo "  @mermaid-js/layout-elk $ELK_VERSION (MIT, LICENSE-layout-elk),"
  echo "    source: https://github.com/mermaid-js/mermaid (packages/mermaid-layout-elk)"
  echo "  elkjs $elkjs_version (Eclipse Public License 2.0, LICENSE-elkjs);"
  echo "    its Source Code is available under the EPL-2.0 from"
  echo "    https://github.com/kieler/elkjs and https://www.npmjs.com/package/elkjs"
  echo "  parts of d3 (ISC, ../d3/LICENSE)"
} > "$dest/elk/NOTICE"

{
  echo "mermaid $MERMAID_VERSION (npm, MIT; dist/mermaid.min.js bundles MIT/ISC/Apache-2.0/MPL-2.0"
  echo "  dependencies whose licence headers it keeps, e.g. DOMPurify)"
  echo "d3 $D3_VERSION (npm, ISC)"
  echo "@mermaid-js/layout-elk $ELK_VERSION (npm, MIT) + elkjs $elkjs_version (npm, EPL-2.0),"
  echo "  bundled with esbuild $ESBUILD_VERSION: see elk/NOTICE"
  echo "Regenerate with tools/update_mermaid.sh; do not edit these files by hand."
} > "$dest/VERSIONS"

echo "vendored mermaid@$MERMAID_VERSION, d3@$D3_VERSION, layout-elk@$ELK_VERSION into $dest:"
du -sh "$dest"
find "$dest" -type f | wc -l
