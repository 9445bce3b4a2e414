// Builds the front-end assets into portal/static (git-ignored), served at /assets.
import { compile } from 'sass'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NodePackageImporter } from 'sass'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'portal', 'static')
const frontend = join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
mkdirSync(out, { recursive: true })

const css = compile(join(root, 'assets', 'application.scss'), {
  style: 'compressed',
  importers: [new NodePackageImporter(root)],
  quietDeps: true,
  silenceDeprecations: ['import']
})
writeFileSync(join(out, 'application.css'), css.css)
copyFileSync(join(frontend, 'govuk-frontend.min.js'), join(out, 'govuk-frontend.min.js'))
copyFileSync(join(root, 'assets', 'application.js'), join(out, 'application.js'))
copyFileSync(join(root, 'assets', 'favicon.svg'), join(out, 'favicon.svg'))
writeFileSync(join(out, '.built'), new Date().toISOString() + '\n')
console.log('assets built in portal/static')
