# Samen as a small, static, non-root image.
#
#   docker build -t samen .
#   docker run -p 8080:8080 -v samen-data:/data samen
#
# See docs/deployment.md for PostgreSQL, reverse proxies and several instances.

# The build stage's Go is the one go.mod's toolchain line names (the one
# `make vuln` checks), so the go command downloads no other; the image's
# GOTOOLCHAIN=local keeps it so. Both base images go by tag: pin them by digest
# where you build (`docker buildx imagetools inspect IMAGE` shows it), as in
# FROM golang:1.27.3-bookworm@sha256:... AS build.
FROM golang:1.27.3-bookworm AS build
WORKDIR /src

# Modules first: this layer is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/samen . \
 && mkdir -p /out/data \
 && chown 65532:65532 /out/data

# distroless/static: CA certificates, time zone data and /etc/passwd, no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/samen /samen
# The SQLite file lives here; the nonroot user (uid 65532) must own it.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532

ENV SAMEN_ADDR=0.0.0.0:8080 \
    DATABASE_URL=sqlite:/data/samen.db \
    SAMEN_BLOB_URL=file:///data/blobs \
    SAMEN_ENV=production
VOLUME ["/data"]
EXPOSE 8080

# `samen healthcheck` asks /healthz on SAMEN_ADDR; it gives up after 5 seconds.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/samen", "healthcheck"]

ENTRYPOINT ["/samen"]
CMD ["serve"]
