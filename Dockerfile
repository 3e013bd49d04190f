# The canaryjudge image: one statically linked binary in an empty image,
# run as nobody. It builds offline (no base image to pull) and copies the
# binary that scripts/image.sh builds, the one place the build lives (cgo
# for the SQL parser, linked statically: -tags netgo,osusergo,
# -linkmode external -extldflags -static). So:
#   scripts/image.sh [TAG]       builds bin/canaryjudge, then this image
#   docker-compose up            uses the image that script tagged
# .dockerignore sends only bin/canaryjudge as the build context.
FROM scratch
COPY bin/canaryjudge /canaryjudge
USER 65534:65534
EXPOSE 8080
ENV CANARYJUDGE_ADDR=0.0.0.0:8080 CANARYJUDGE_LOG_FORMAT=json
ENTRYPOINT ["/canaryjudge"]
CMD ["serve"]
