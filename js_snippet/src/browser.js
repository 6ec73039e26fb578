/** Build entry: the snippet starts itself in the page that loads it. */
import { boot } from './index.js'

boot(window)
