#!/usr/bin/env bash
# Builds the canaryjudge container image locally, with no registry: a
# statically linked binary (bin/canaryjudge) in the repository's FROM
# scratch Dockerfile, run as nobody.
#   scripts/image.sh [TAG]            (default canaryjudge:dev)
# The one place the image's binary is built. It links libpg_query (cgo, the
# migration classifier) statically, so FROM scratch still works. The
# Dockerfile and docker-compose.yml use what this script builds.
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-canaryjudge:dev}"
version="${VERSION:-$(git describe --always --dirty 2>/dev/null || echo dev)}"
mkdir -p bin

CGO_ENABLED=1 go build -trimpath -tags netgo,osusergo \
  -ldflags "-s -w -X main.version=${version} -linkmode external -extldflags -static" -o bin/canaryjudge ./cmd/canaryjudge

docker build -q -t "$tag" . >/dev/null 2>&1 || docker build -t "$tag" .
echo "$tag"
