/**
 * The size budget: the built snippet, chat widget included, must stay at or
 * under 6 KB (6144 bytes) gzipped. Prints the size; exits 1 when over.
 * Measured at gzip level 9, as static file servers and CDNs typically
 * pre-compress; a lower level would add a few percent.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { outfile, root } from './build-options.mjs'

export const BUDGET = 6144

const raw = readFileSync(join(root, outfile))
const gz = gzipSync(raw, { level: 9 }).length
console.log(`${outfile}: ${raw.length} bytes, ${gz} bytes gzipped (budget ${BUDGET})`)
if (gz > BUDGET) {
  console.error(`over budget by ${gz - BUDGET} bytes`)
  process.exit(1)
}
