# syntax=docker/dockerfile:1
# The Visemo server: `npm run build` in a build stage, then only the production dependencies and the
# built lib/ folders in a slim runtime that runs `npm run start:prod`'s command as an unprivileged
# user. The embedded models (Flite voices, the ASR acoustic model, the VAD) are files of npm
# packages, so the image holds them and nothing downloads at run time. Debian (glibc), not Alpine:
# onnxruntime-node ships glibc binaries. docs/deployment.md.
ARG NODE_IMAGE=node:22.12.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY apps ./apps
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund && npm run build

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/packages ./packages
COPY --from=build /app/apps ./apps
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LOG_LEVEL=info
WORKDIR /app
COPY --from=production-dependencies --chown=root:root /app ./
COPY examples ./examples
# The web app is bundled into apps/web/dist as the server starts; the embedded database (without
# DATABASE_URL) lives in /app/data. Both belong to the unprivileged user; the code does not.
RUN mkdir -p apps/web/dist data && chown -R node:node apps/web/dist data
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# start:prod's command, with the address a container listens on; `--agent` may be given again to
# serve another agent folder (mounted, or copied in an image built FROM this one).
ENTRYPOINT ["node", "--disable-warning=ExperimentalWarning", "--conditions=visemo-built", "--enable-source-maps", "apps/cli/lib/main.js", "serve", "--host", "0.0.0.0", "--port", "8080"]
CMD ["--agent", "examples/support-agent"]
