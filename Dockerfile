# Production image for the api and worker processes (same image, different command).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
# Workflow code bundled at build time: smaller, faster worker start-up (workers/workflow-bundle.ts).
RUN npx tsx scripts/build-workflow-bundle.ts /app/dist/workflow-bundle.js
ENV NODE_ENV=production WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
USER node
CMD ["node", "--import", "tsx", "api/main.ts"]
