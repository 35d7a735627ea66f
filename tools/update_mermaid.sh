#!/usr/bin/env bash
# Re-vendor the Mermaid (and d3) browser bundles that sphinx-incidents serves from the
# built site's own _static/ folder, so that rendered pages never contact a CDN.
#
# Usage:  tools/update_mermaid.sh [MERMAID_VERSION] [D3_VERSION]
#         (defaults: 11.17.2 and 7.9.0; needs npm, tar and a reachable npm registry)
#
# What is copied into sphinx_incidents/sphinxext/static/mermaid/:
#   mermaid.esm.min.mjs + chunks/mermaid.esm.min/*.mjs   the ES-module build. Both
#       sphinxcontrib-mermaid 1.x and 2.x do `import mermaid from "<url>"`, so the UMD
#       file dist/mermaid.min.js (no default export) cannot be used. The entry imports
#       its chunks by relative path, so the directory layout must be kept as is.
#   LICENSE                                             mermaid's MIT licence.
#   d3/d3.min.js + d3/LICENSE                           d3 (ISC); sphinxcontrib-mermaid
#       1.x/2.0.x load it on every page with a diagram, 2.1+ only for :zoom:.
#   VERSIONS                                            provenance, read by nobody.
# Source maps are not copied. The ELK layout plugin is deliberately NOT vendored: its
# bundled elkjs is EPL-2.0, and mermaid_assets.py switches ELK off for 1.x instead.
#
# Mermaid 12 exists, but both sphinxcontrib-mermaid lines were written against 11.x
# (their defaults are 11.2.0 and 11.12.1); stay on the newest 11.x unless tested.
set -euo pipefail

MERMAID_VERSION="${1:-11.17.2}"
D3_VERSION="${2:-7.9.0}"

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
test -f "$m/dist/mermaid.esm.min.mjs" || { echo "no dist/mermaid.esm.min.mjs" >&2; exit 1; }

# Chunk file names are content hashes: start from an empty folder.
rm -rf "$dest"
mkdir -p "$dest/chunks/mermaid.esm.min" "$dest/d3"
cp "$m/dist/mermaid.esm.min.mjs" "$dest/"
cp "$m"/dist/chunks/mermaid.esm.min/*.mjs "$dest/chunks/mermaid.esm.min/"
cp "$m/LICENSE" "$dest/LICENSE"
cp "$d/dist/d3.min.js" "$d/LICENSE" "$dest/d3/"

{
  echo "mermaid $MERMAID_VERSION (npm, MIT; bundles MIT/ISC/Apache-2.0/MPL-2.0 dependencies"
  echo "  whose licence headers are kept in the chunks, e.g. DOMPurify)"
  echo "d3 $D3_VERSION (npm, ISC)"
  echo "Regenerate with tools/update_mermaid.sh; do not edit these files by hand."
} > "$dest/VERSIONS"

echo "vendored mermaid@$MERMAID_VERSION and d3@$D3_VERSION into $dest:"
du -sh "$dest"
find "$dest" -type f | wc -l
