/** Build js_snippet/dist/lotse.min.js (committed; see check-dist.mjs). */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import { options, outfile, root } from './build-options.mjs'

const result = await build(options)
mkdirSync(join(root, 'dist'), { recursive: true })
writeFileSync(join(root, outfile), result.outputFiles[0].contents)
console.log(`built ${outfile} (${result.outputFiles[0].contents.length} bytes)`)
