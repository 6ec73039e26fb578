/**
 * Fail when the committed dist/lotse.min.js is not what the sources build to
 * (someone changed src/ and forgot `npm run build`). Builds in memory and
 * compares bytes; the working tree is left untouched.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { bundle, outfile, root } from './build-options.mjs'

const fresh = await bundle()
let committed
try {
  committed = readFileSync(join(root, outfile))
} catch {
  console.error(`${outfile} is missing: run \`npm run build\` and commit it`)
  process.exit(1)
}
if (!fresh.equals(committed)) {
  console.error(`${outfile} is stale: run \`npm run build\` in js_snippet/ and commit it`)
  process.exit(1)
}
console.log(`${outfile} is up to date`)
