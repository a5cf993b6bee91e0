# The production node_modules of the platform, built once per package-lock.json (tagged
# skiff/deps:<lock hash> by scripts/docker/build-images.sh) from a staged context holding only
# package.json, package-lock.json and the checkout's node_modules: no registry is contacted.
FROM node:20-bookworm-slim AS prune
WORKDIR /app
COPY package.json package-lock.json ./
COPY node_modules node_modules
RUN npm prune --omit=dev --offline --legacy-peer-deps --no-audit --no-fund >/dev/null && rm -rf node_modules/.cache

# Only the pruned tree: pruning in the copy's own layer would not make the image smaller.
FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=prune /app /app
