/**
 * The size budgets, gzipped: the core (dist/lotse.min.js) and the chat's file
 * (dist/lotse-chat.min.js) at most 4 KB (4096 bytes) each, as issue 11 asks
 * (docs/decisions.md, "The snippet's core: 4 KB", says how the core got there).
 * Prints the sizes; exits 1 when a file is over.
 * Measured at gzip level 9, as static file servers and CDNs typically
 * pre-compress; a lower level would add a few percent.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chatfile, outfile, root } from './build-options.mjs'

/** Bytes gzipped, per built file. */
export const BUDGETS = { [outfile]: 4096, [chatfile]: 4096 }

let over = false
for (const [file, budget] of Object.entries(BUDGETS)) {
  const raw = readFileSync(join(root, file))
  const gz = gzipSync(raw, { level: 9 }).length
  console.log(`${file}: ${raw.length} bytes, ${gz} bytes gzipped (budget ${budget})`)
  if (gz > budget) {
    console.error(`${file} is over budget by ${gz - budget} bytes`)
    over = true
  }
}
if (over) process.exit(1)
