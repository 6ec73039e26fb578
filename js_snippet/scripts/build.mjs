/** Build js_snippet/dist/lotse.min.js (committed; see check-dist.mjs). */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bundle, outfile, root } from './build-options.mjs'

const code = await bundle()
mkdirSync(join(root, 'dist'), { recursive: true })
writeFileSync(join(root, outfile), code)
console.log(`built ${outfile} (${code.length} bytes)`)
