# A stock OpenFaaS function image (its classic or of-watchdog on :8080) made callable on Skiff's bus:
# Skiff's watchdog (self-contained /opt/skiff, any libc) is layered on top and becomes the entrypoint;
# in bridge mode it starts the stock entrypoint (STOCK_COMMAND, with the image's own environment:
# fprocess, mode… stay the stock watchdog's) and proxies every call to it on 127.0.0.1:8080.
#   docker build -f deploy/docker/bridge.Dockerfile --build-arg STOCK_IMAGE=ghcr.io/openfaas/figlet:latest \
#     -t figlet:skiff deploy/docker
ARG STOCK_IMAGE
FROM skiff/watchdog:dev AS skiff
FROM ${STOCK_IMAGE}
ARG STOCK_COMMAND=fwatchdog
ARG STOCK_URL=http://127.0.0.1:8080
COPY --from=skiff /opt/skiff /opt/skiff
ENV SKIFF_BRIDGE_UPSTREAM=${STOCK_URL} SKIFF_BRIDGE_COMMAND=${STOCK_COMMAND}
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s CMD ["/opt/skiff/lib/ld-linux-x86-64.so.2", "--library-path", "/opt/skiff/lib", "/opt/skiff/bin/node", "/opt/skiff/app/healthcheck.js"]
ENTRYPOINT ["/opt/skiff/lib/ld-linux-x86-64.so.2", "--library-path", "/opt/skiff/lib", "/opt/skiff/bin/node", "/opt/skiff/app/dist/apps/watchdog/src/main.js"]
CMD []
