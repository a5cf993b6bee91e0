#!/bin/sh
# Builds Skiff's images from this checkout: the base images first (scripts/docker/base-images.sh),
# then skiff/watchdog:<tag> (the function base) and skiff/<service>:<tag> for the six services, all
# from deploy/docker/Dockerfile. Needs `npm ci` done: the production node_modules become an image of
# their own, skiff/deps:<package-lock hash>, made once per lock file (no registry is contacted); the
# code is this checkout's dist/ (`npm run build` runs first unless SKIFF_SKIP_BUILD=1).
# and skiff/infra:<tag> (nats-server, redis, prometheus, alertmanager from Debian, for docker-compose.dev.yml).
# Usage: scripts/docker/build-images.sh [watchdog|infra|<service> ...]   (default: all)
# SKIFF_IMAGE_TAG (default dev) tags them; extra docker build flags go in SKIFF_DOCKER_BUILD_FLAGS.
set -eu
cd "$(dirname "$0")/../.."
TAG=${SKIFF_IMAGE_TAG:-dev}
SERVICES="gateway provider scaler queue-worker connector-cron connector-webhook"
[ -d node_modules ] || { echo "build-images: node_modules is missing: run npm ci first" >&2; exit 1; }
sh scripts/docker/base-images.sh
[ "${SKIFF_SKIP_BUILD:-}" = 1 ] || npm run build >/dev/null
DEPS_IMAGE=skiff/deps:$(sha256sum package-lock.json | cut -c1-12)

build() {
  image=$1
  shift
  log=$(mktemp)
  # The legacy builder: Debian's docker.io has no buildx, and it needs no BuildKit daemon.
  # shellcheck disable=SC2086
  if ! DOCKER_BUILDKIT=0 docker build -t "$image" ${SKIFF_DOCKER_BUILD_FLAGS:-} "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "build-images: building $image failed" >&2
    exit 1
  fi
  rm -f "$log"
  echo "build-images: $image"
}

if ! docker image inspect "$DEPS_IMAGE" >/dev/null 2>&1; then
  # A context of its own (hard links, no copy): the main context never carries node_modules.
  stage=build/docker-deps
  rm -rf "$stage" && mkdir -p "$stage"
  cp package.json package-lock.json deploy/docker/deps.Dockerfile "$stage"/
  cp -al node_modules "$stage"/node_modules 2>/dev/null || cp -a node_modules "$stage"/node_modules
  build "$DEPS_IMAGE" -f "$stage/deps.Dockerfile" "$stage"
  rm -rf "$stage"
fi

for name in ${*:-watchdog infra $SERVICES}; do
  case " watchdog infra $SERVICES " in
    *" $name "*) ;;
    *) echo "build-images: unknown image $name (watchdog, infra or one of: $SERVICES)" >&2; exit 2 ;;
  esac
  if [ "$name" = infra ]; then
    build "skiff/infra:$TAG" -f deploy/docker/infra.Dockerfile deploy/docker/compose
    continue
  fi
  if [ "$name" = watchdog ]; then set -- --target watchdog
  # The provider runs local-backend replicas itself (compose): Python too, on the python base when made.
  elif [ "$name" = provider ] && docker image inspect python:3-slim-bookworm >/dev/null 2>&1; then set -- --target provider --build-arg SERVICE=provider
  else set -- --target service --build-arg "SERVICE=$name"; fi
  build "skiff/$name:$TAG" -f deploy/docker/Dockerfile --build-arg "DEPS_IMAGE=$DEPS_IMAGE" "$@" .
done
