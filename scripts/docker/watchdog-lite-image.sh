#!/bin/sh
# A minimal function image for the swarm backend's tests when the real function base (skiff/watchdog:dev,
# scripts/docker) is not built: this machine's node binary, the built watchdog (dist/) and the few
# packages it loads, plus /bin/sh from busybox-less Debian (dash) for classic-mode fprocess commands.
# No registry, no debootstrap: `docker import` of a tarball made from host files. Usage: $0 <tag>
set -eu
TAG=${1:-skiff/watchdog-lite:dev}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$ROOT/dist/apps/watchdog/src/main.js" ] || { echo "build first (npm run build)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/usr/local/bin" "$dir/opt/skiff/node_modules" "$dir/tmp" "$dir/etc" "$dir/bin" "$dir/home/app" "$dir/var/openfaas/secrets"
chmod 1777 "$dir/tmp"
# Every shared library node, sh, cat and env need, at their own paths.
for bin in "$(readlink -f "$(command -v node)")" /bin/dash /bin/cat /usr/bin/env /bin/sleep; do
  cp --parents -L "$bin" "$dir"
  ldd "$bin" | awk '/=>/ {print $3} /^\s*\/lib/ {print $1}' | while read -r lib; do [ -f "$lib" ] && cp --parents -L "$lib" "$dir"; done
done
ln -sf "$(readlink -f "$(command -v node)")" "$dir/usr/local/bin/node"
ln -sf /bin/dash "$dir/bin/sh"
cp -r "$ROOT/dist/apps/watchdog" "$ROOT/dist/libs" "$dir/opt/skiff/"
mkdir -p "$dir/opt/skiff/apps" && mv "$dir/opt/skiff/watchdog" "$dir/opt/skiff/apps/watchdog"
mkdir -p "$dir/opt/skiff/dist" && mv "$dir/opt/skiff/apps" "$dir/opt/skiff/libs" "$dir/opt/skiff/dist/"
for m in nats nkeys.js tweetnacl undici class-transformer class-validator validator libphonenumber-js; do
  [ -d "$ROOT/node_modules/$m" ] && cp -r "$ROOT/node_modules/$m" "$dir/opt/skiff/node_modules/"
done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >"$dir/etc/passwd"
printf 'root:x:0:\napp:x:1000:\n' >"$dir/etc/group"
chown 1000:1000 "$dir/home/app"
tar --numeric-owner -C "$dir" -c . | docker import \
  -c 'ENTRYPOINT ["/usr/local/bin/node", "/opt/skiff/dist/apps/watchdog/src/main.js"]' \
  -c 'WORKDIR /home/app' -c 'USER 1000:1000' -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$TAG" >/dev/null
echo "$TAG"
