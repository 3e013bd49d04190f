# Multi-stage build: a static binary in a distroless, non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/canaryjudge ./cmd/canaryjudge

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/canaryjudge /canaryjudge
USER nonroot:nonroot
EXPOSE 8080
ENV CANARYJUDGE_ADDR=0.0.0.0:8080 CANARYJUDGE_LOG_FORMAT=json
ENTRYPOINT ["/canaryjudge"]
CMD ["serve"]
