#!/usr/bin/env bash
# Refresh the front-end assets the services serve themselves (no CDN at run time).
# Assets come from the npm registry; the versions are pinned here and recorded in
# shared/static/vendor/VERSIONS.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=shared/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
packages=(swagger-ui-dist@5.35.0 @picocss/pico@2.1.1 htmx.org@2.0.4 chart.js@4.4.9)
(cd "$tmp" && npm pack --silent "${packages[@]}" >/dev/null && for t in *.tgz; do mkdir "${t%.tgz}" && tar -xzf "$t" -C "${t%.tgz}"; done)
mkdir -p "$dest/swagger-ui" "$dest/pico" "$dest/htmx" "$dest/chartjs"
cp "$tmp"/swagger-ui-dist-*/package/{swagger-ui.css,swagger-ui-bundle.js,swagger-ui-standalone-preset.js,LICENSE} "$dest/swagger-ui/"
cp "$tmp"/picocss-pico-*/package/css/pico.min.css "$tmp"/picocss-pico-*/package/LICENSE.md "$dest/pico/"
cp "$tmp"/htmx.org-*/package/dist/htmx.min.js "$tmp"/htmx.org-*/package/LICENSE "$dest/htmx/"
cp "$tmp"/chart.js-*/package/dist/chart.umd.js "$tmp"/chart.js-*/package/LICENSE.md "$dest/chartjs/"
printf '%s\n' "${packages[@]}" > "$dest/VERSIONS"
echo "vendored into $dest: ${packages[*]}"
