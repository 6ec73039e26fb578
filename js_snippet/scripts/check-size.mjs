/**
 * The size budgets: the core (dist/lotse.min.js) and the chat widget
 * (dist/lotse-chat.min.js) must each stay at or under 4 KB (4096 bytes)
 * gzipped. Prints the sizes; exits 1 when either is over.
 * Measured at gzip level 9, as static file servers and CDNs typically
 * pre-compress; a lower level would add a few percent.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { outfiles, root } from './build-options.mjs'

export const BUDGET = 4096

let over = false
for (const file of outfiles) {
  const raw = readFileSync(join(root, file))
  const gz = gzipSync(raw, { level: 9 }).length
  console.log(`${file}: ${raw.length} bytes, ${gz} bytes gzipped (budget ${BUDGET})`)
  if (gz > BUDGET) {
    console.error(`${file} is over budget by ${gz - BUDGET} bytes`)
    over = true
  }
}
if (over) process.exit(1)
