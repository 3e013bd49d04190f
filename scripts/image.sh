#!/usr/bin/env bash
# Builds the canaryjudge container image locally, with no registry: a
# statically linked binary in a FROM scratch image, run as nobody.
#   scripts/image.sh [TAG]            (default canaryjudge:dev)
# The one place the image's binary is built. It links libpg_query (cgo, the
# migration classifier) statically, so FROM scratch still works.
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-canaryjudge:dev}"
version="${VERSION:-$(git describe --always --dirty 2>/dev/null || echo dev)}"
ctx=$(mktemp -d -t canaryjudge-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT

CGO_ENABLED=1 go build -trimpath -tags netgo,osusergo \
  -ldflags "-s -w -X main.version=${version} -linkmode external -extldflags -static" -o "$ctx/canaryjudge" ./cmd/canaryjudge

cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY canaryjudge /canaryjudge
USER 65534:65534
EXPOSE 8080
ENV CANARYJUDGE_ADDR=0.0.0.0:8080 CANARYJUDGE_LOG_FORMAT=json
ENTRYPOINT ["/canaryjudge"]
CMD ["serve"]
DOCKERFILE
docker build -q -t "$tag" "$ctx" >/dev/null 2>&1 || docker build -t "$tag" "$ctx"
echo "$tag"
