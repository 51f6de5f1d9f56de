# County hub image: hubd and hubctl on Debian 12 (bookworm), for the Helm chart
# in charts/county-hub.
#
#   docker build -t registry.county.example/county-hub:0.1.0 .
#
# UNTESTED HERE: the development machines and CI have no Docker engine, so
# this file is reviewed but never built in CI (see README "Deploying on
# Kubernetes"). It uses Debian's packages only, like scripts/setup.sh.

# ---------------------------------------------------------------- build stage
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      cmake ninja-build g++ pkg-config \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      librocksdb-dev libabsl-dev libcpp-httplib-dev nodejs npm \
 && rm -rf /var/lib/apt/lists/*
# The dashboard's chart library (hubd --chart_js), the version tools/ pins.
RUN mkdir /chartjs && cd /chartjs \
 && npm install --no-save --no-audit --no-fund chart.js@4.6.1
WORKDIR /src
COPY . .
# The same CMake build as scripts/setup.sh, without tests and benchmarks.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHUB_BUILD_TESTS=OFF -DHUB_BUILD_BENCH=OFF \
 && cmake --build /build --target hubd hubctl \
 && strip --strip-debug /build/hub/hubd /build/hub/hubctl

# -------------------------------------------------------------- runtime stage
FROM debian:bookworm-slim
# Runtime libraries only (their dependencies bring c-ares, re2, OpenSSL,
# snappy, lz4, zstd...).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libprotobuf32 librocksdb7.8 libabsl20220623 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 hub \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin hub
COPY --from=build /build/hub/hubd /build/hub/hubctl /usr/bin/
# Plan adapter profiles (hubd --profiles_dir) and reference tables.
COPY adapters/plans/ /usr/share/county-hub/profiles/
COPY data/reference/ /usr/share/county-hub/reference/
# The county dashboard (hubd --dashboard_dir, --chart_js).
COPY hub/monitor/dashboard/ /usr/share/county-hub/dashboard/
COPY --from=build /chartjs/node_modules/chart.js/dist/chart.umd.js /usr/share/county-hub/
# Non-root; the chart mounts the store's volume at /data.
USER 10001:10001
EXPOSE 50051 8081 8080
ENTRYPOINT ["/usr/bin/hubd"]
CMD ["--help"]
