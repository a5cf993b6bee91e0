# The platform's infrastructure for docker-compose.dev.yml, from Debian's packages (the versions the
# tests run on the host): nats-server, redis-server, prometheus, prometheus-alertmanager. One image;
# each compose service runs one of them, as uid 1000.
FROM debian:bookworm-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nats-server redis-server prometheus prometheus-alertmanager >/dev/null \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && mkdir -p /data && chown 1000:1000 /data
USER 1000:1000
