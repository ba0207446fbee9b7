import { readFileSync } from 'node:fs'

/**
 * The version in package.json, read at run time: from src/ and from dist/ alike it is one
 * folder up, in a clone and in an installed package.
 */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
}
