/**
 * Fail when a committed built file (dist/lotse.min.js, dist/lotse-chat.min.js)
 * is not what the sources build to (someone changed src/ and forgot `npm run
 * build`). Builds in memory and compares bytes; the working tree is left
 * untouched.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { bundle, root } from './build-options.mjs'

let stale = false
for (const [file, fresh] of Object.entries(await bundle())) {
  let committed
  try {
    committed = readFileSync(join(root, file))
  } catch {
    console.error(`${file} is missing: run \`npm run build\` and commit it`)
    stale = true
    continue
  }
  if (!fresh.equals(committed)) {
    console.error(`${file} is stale: run \`npm run build\` in js_snippet/ and commit it`)
    stale = true
  } else console.log(`${file} is up to date`)
}
if (stale) process.exit(1)
