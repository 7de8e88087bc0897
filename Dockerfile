# syntax=docker/dockerfile:1
# Multi-stage build: a static, non-root binary on distroless.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X github.com/worksynapse/worksynapse/internal/cli.Version=${VERSION}" \
      -o /out/worksynapse ./cmd/worksynapse

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/worksynapse /usr/local/bin/worksynapse
USER nonroot:nonroot
ENV WORKSYNAPSE_HTTP_ADDR=0.0.0.0:8080 \
    WORKSYNAPSE_ENVIRONMENT=production \
    WORKSYNAPSE_LOG_FORMAT=json
EXPOSE 8080
# distroless has no shell or curl: the binary checks its own liveness.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["/usr/local/bin/worksynapse", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/worksynapse"]
CMD ["serve"]
