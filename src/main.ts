import { runCli } from './cli/main.js'

/**
 * `node dist/main.js [command ...]` is the `gatehouse` CLI; with no command it serves (what
 * `npm start` runs). A failed command exits at once; a finished one lets the process end by itself
 * (so piped output is flushed), and `serve` keeps it alive until SIGTERM.
 */
const argv = process.argv.slice(2)
runCli(argv.length > 0 ? argv : ['serve']).then((code) => {
  process.exitCode = code
  if (code !== 0) process.exit(code)
})
