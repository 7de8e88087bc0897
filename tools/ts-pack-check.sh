#!/usr/bin/env bash
# `make ts-pack-check`: packs @worksynapse/client as npm would publish it (`npm pack`), installs the
# tarball into a scratch app, and compiles and runs a consumer there: the package a frontend installs
# works, carries its types, type-checks under strict settings (exactOptionalPropertyTypes included)
# and has the version of the contract it was generated from (info.version of openapi.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
client=clients/typescript
contract=$(awk '/^info:/ {i=1; next} i && /^[^ ]/ {exit} i && /^  version:/ {gsub(/["'\'']/, "", $2); print $2; exit}' openapi.yaml)
package=$(node -p "require('./$client/package.json').version")
if [ "$contract" != "$package" ]; then
  echo "ts-pack-check: $client/package.json version is $package but openapi.yaml info.version is $contract: make them equal."
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd $client && rm -rf dist && npm run --silent build && npm pack --silent --pack-destination "$work" >/dev/null)
tarball=$(ls "$work"/worksynapse-client-*.tgz)

app="$work/app"
mkdir -p "$app"
cat >"$app/package.json" <<JSON
{ "name": "consumer", "private": true, "type": "module",
  "dependencies": { "@worksynapse/client": "file:$tarball" } }
JSON
cat >"$app/tsconfig.json" <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext",
  "lib": ["ES2022", "DOM"], "types": [], "strict": true, "exactOptionalPropertyTypes": true,
  "noUncheckedIndexedAccess": true, "skipLibCheck": false, "outDir": "out" }, "include": ["app.ts"] }
JSON
cat >"$app/app.ts" <<'TS'
// What a frontend writes against the installed package.
import { createWorkSynapseClient, type Problem, type Schema } from "@worksynapse/client";

const api = createWorkSynapseClient({ baseUrl: "http://127.0.0.1:1" });
type Task = Schema<"TaskInfo">;
const describe = (t: Task): string => `${t.key} ${t.title} (${t.status}), assignee ${t.assignee_id ?? "none"}`;
const body: Schema<"TaskCreateRequest"> = { title: "Ship it", priority: "high" };
const problem = (p: Problem): string => `${p.status} ${p.title}`;
export async function createTask(projectId: string): Promise<string> {
  const { data, error } = await api.POST("/projects/{project_id}/tasks", {
    params: { path: { project_id: projectId } },
    body,
  });
  return data ? describe(data) : problem(error);
}
console.log(typeof createWorkSynapseClient, typeof api.GET);
TS
(cd "$app" && npm install --silent --prefer-offline --no-audit --no-fund >/dev/null)
"$client/node_modules/.bin/tsc" --project "$app/tsconfig.json"
out=$(node "$app/out/app.js")
if [ "$out" != "function function" ]; then
  echo "ts-pack-check: the installed package did not load: $out"
  exit 1
fi
echo "ts-pack-check: $(basename "$tarball") installs, type-checks (strict, exactOptionalPropertyTypes) and loads."
