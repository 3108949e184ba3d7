#!/usr/bin/env bash
# Fetch the vendored front-end files from the npm registry into static/vendor/ (no CDN at run time).
# Versions live here and in the file names; bump both together.
set -euo pipefail
HTMX=4.0.1
PICO=2.1.1
CHARTJS=4.6.1
cd "$(dirname "$0")/.."
dest=static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@$HTMX" "@picocss/pico@$PICO" "chart.js@$CHARTJS" >/dev/null)
for f in "$tmp"/*.tgz; do mkdir -p "$f.d"; tar xzf "$f" -C "$f.d"; done
mkdir -p "$dest"
cp "$tmp/htmx.org-$HTMX.tgz.d/package/dist/htmx.min.js" "$dest/htmx-$HTMX.min.js"
cp "$tmp/htmx.org-$HTMX.tgz.d/package/dist/ext/hx-ws.min.js" "$dest/hx-ws-$HTMX.min.js"
cp "$tmp/picocss-pico-$PICO.tgz.d/package/css/pico.min.css" "$dest/pico-$PICO.min.css"
cp "$tmp/chart.js-$CHARTJS.tgz.d/package/dist/chart.umd.min.js" "$dest/chart-$CHARTJS.umd.min.js"
ls -l "$dest"
