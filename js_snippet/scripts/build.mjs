/** Build js_snippet/dist/lotse.min.js and dist/lotse-chat.min.js (committed; see check-dist.mjs). */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bundle, root } from './build-options.mjs'

const built = await bundle()
mkdirSync(join(root, 'dist'), { recursive: true })
for (const [file, code] of Object.entries(built)) {
  writeFileSync(join(root, file), code)
  console.log(`built ${file} (${code.length} bytes)`)
}
