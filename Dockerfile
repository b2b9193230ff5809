# Production image for the api and worker processes (same image, different command).

# hyperd (Tableau's Hyper server, Apache-2.0) out of the pinned tableauhyperapi wheel, with its licence files;
# Python is needed only in this stage, never at run time.
FROM python:3.11-slim-bookworm AS hyperd
COPY scripts/fetch-hyperd.sh /fetch-hyperd.sh
RUN bash /fetch-hyperd.sh /opt/hyper /tmp/wheels && rm -rf /tmp/wheels

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=hyperd /opt/hyper /opt/hyper
ENV HYPERD_BIN=/opt/hyper/hyperd
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
# Workflow code bundled at build time: smaller, faster worker start-up (workers/workflow-bundle.ts).
RUN npx tsx scripts/build-workflow-bundle.ts /app/dist/workflow-bundle.js
ENV NODE_ENV=production WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
USER node
CMD ["node", "--import", "tsx", "api/main.ts"]
