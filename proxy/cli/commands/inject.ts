// `thriftgate inject -f app.yaml`: adds the sidecar to every pod template of a manifest, offline, with
// exactly the patch the admission webhook would apply (like `istioctl kube-inject`). The result goes to
// stdout (or -o), what was done to stderr, so `thriftgate inject -f app.yaml | kubectl apply -f -` works.
import { readFileSync, writeFileSync } from 'node:fs'
import type { CommandModule } from 'yargs'
import { injectManifests } from '../../k8s/index.js'
import { injectOptionsFrom, withInjectFlags, type InjectFlags } from '../inject-flags.js'
import { describeFailure } from '../report.js'

type Args = InjectFlags & { filename: string | string[]; output?: string }

function readInput(file: string): string {
  return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8')
}

export const injectCommand: CommandModule<object, Args> = {
  command: 'inject',
  describe: 'Add the thriftgate sidecar to Kubernetes manifests (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods)',
  builder: (y) =>
    withInjectFlags(y)
      // Not `array: true`: yargs would then drop a lone "-" (stdin); repeating -f still collects a list.
      .option('filename', { alias: 'f', type: 'string', demandOption: true, describe: 'Manifest file, YAML or JSON, multi-document; - for stdin; repeat -f for several' })
      .option('output', { alias: 'o', type: 'string', describe: 'Write the result here instead of stdout' })
      .example('$0 inject -f app.yaml | kubectl apply -f -', 'Inject and deploy')
      .example('$0 inject -f app.yaml --mode legacy -o app.injected.yaml', 'For clusters older than Kubernetes 1.29'),
  handler: (argv) => {
    try {
      const options = injectOptionsFrom(argv)
      const outputs: string[] = []
      for (const file of Array.isArray(argv.filename) ? argv.filename : [argv.filename]) {
        const name = file === '-' ? 'stdin' : file
        const result = injectManifests(readInput(file), options, name)
        for (const t of result.templates) {
          if (t.plan.kind === 'inject') {
            process.stderr.write(`injected: ${t.where} (${t.plan.options.mode} sidecar, ConfigMap ${t.plan.options.configMap})\n`)
            for (const w of t.plan.warnings) process.stderr.write(`warning: ${w}\n`)
          } else process.stderr.write(`unchanged: ${t.plan.message}\n`)
        }
        if (result.templates.length === 0) process.stderr.write(`unchanged: ${name}: no pod templates found\n`)
        outputs.push(result.output)
      }
      // Files are joined as YAML documents, as `kubectl apply -f a -f b` would read them.
      const text = outputs.map((o, i) => (i > 0 && !/^---/.test(o) ? `---\n${o}` : o)).map((o) => (o.endsWith('\n') || o === '' ? o : `${o}\n`)).join('')
      if (argv.output !== undefined) writeFileSync(argv.output, text)
      else process.stdout.write(text)
    } catch (err) {
      process.stderr.write(`${describeFailure(err)}\n`)
      process.exitCode = 1
    }
  },
}
