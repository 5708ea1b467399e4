// Flags shared by `thriftgate inject` and `thriftgate webhook`: what the injected sidecar looks like.
// Both commands turn them into the same InjectOptions, so offline and webhook injection cannot drift.
import type { Argv } from 'yargs'
import { defaultInjectOptions, parseMode, validateOptions, type InjectOptions } from '../k8s/index.js'

export interface InjectFlags {
  'sidecar-image': string
  'image-pull-policy': string
  mode: string
  'proxy-port': number
  'admin-port': number
  'config-map': string
  'config-key': string
  'sidecar-upstream'?: string
  'sidecar-log-level'?: string
  'hold-app-until-ready': boolean
  'admin-token-secret': string
  'data-size-limit': string
  'pre-stop-delay': number
}

/** A flag given twice (an overlay appending to a Deployment's args) takes its last value, as kubectl's do. */
export function lastValue<V>(v: V | V[]): V {
  return Array.isArray(v) ? (v[v.length - 1] as V) : v
}
export const lastString = (v: string | string[]): string => lastValue(v)

export function withInjectFlags<T>(y: Argv<T>): Argv<T & InjectFlags> {
  const d = defaultInjectOptions
  const group = 'Sidecar:'
  const coerce = lastValue
  return y
    .option('sidecar-image', { coerce, alias: 'image', type: 'string', default: d.image, describe: 'thriftgate image to run as the sidecar', group })
    .option('image-pull-policy', { coerce, type: 'string', choices: ['Always', 'IfNotPresent', 'Never'], default: d.imagePullPolicy, group })
    .option('mode', { coerce,
      type: 'string',
      choices: ['native', 'legacy'],
      default: d.mode,
      describe: 'native: init container with restartPolicy Always (Kubernetes >= 1.29); legacy: regular container with a preStop delay. Pod annotation: thriftgate.io/sidecar-mode',
      group,
    })
    .option('proxy-port', { coerce, type: 'number', default: d.proxyPort, describe: 'Port the proxy listens on in the pod. Pod annotation: thriftgate.io/port', group })
    .option('admin-port', { coerce, type: 'number', default: d.adminPort, describe: 'Admin port (/metrics, /healthz, /readyz). Pod annotation: thriftgate.io/admin-port', group })
    .option('config-map', { coerce, type: 'string', default: d.configMap, describe: 'ConfigMap holding the config when the pod names none (annotation thriftgate.io/config)', group })
    .option('config-key', { coerce, type: 'string', default: d.configKey, describe: 'Key of the config file in that ConfigMap', group })
    .option('sidecar-upstream', { coerce, type: 'string', describe: 'HOST:PORT the sidecar forwards to, overriding the config file. Pod annotation: thriftgate.io/upstream', group })
    .option('sidecar-log-level', { coerce, type: 'string', describe: "The sidecar's log level (THRIFTGATE_LOG_LEVEL)", group })
    .option('hold-app-until-ready', { coerce,
      type: 'boolean',
      default: d.holdAppUntilReady,
      describe: 'Startup probe on /readyz: the app starts only once the proxy is ready. Client-side sidecars only. Pod annotation: thriftgate.io/hold-app-until-ready',
      group,
    })
    .option('admin-token-secret', { coerce, type: 'string', default: d.adminTokenSecret, describe: 'Secret (key "token") for THRIFTGATE_ADMIN_TOKEN; optional at run time', group })
    .option('data-size-limit', { coerce, type: 'string', default: d.dataSizeLimit, describe: 'emptyDir size limit for the RocksDB index', group })
    .option('pre-stop-delay', { coerce, type: 'number', default: d.preStopDelaySeconds, describe: 'legacy mode: seconds preStop holds SIGTERM back', group }) as Argv<T & InjectFlags>
}

/** Throws a K8sError (TG_ERR_INJECT_BAD_OPTION) naming the flag's meaning when a value is unusable. */
export function injectOptionsFrom(f: InjectFlags): InjectOptions {
  const o: InjectOptions = {
    ...defaultInjectOptions,
    image: f['sidecar-image'],
    imagePullPolicy: f['image-pull-policy'] as InjectOptions['imagePullPolicy'],
    mode: parseMode(f.mode, '--mode'),
    proxyPort: f['proxy-port'],
    adminPort: f['admin-port'],
    configMap: f['config-map'],
    configKey: f['config-key'],
    holdAppUntilReady: f['hold-app-until-ready'],
    adminTokenSecret: f['admin-token-secret'],
    dataSizeLimit: f['data-size-limit'],
    preStopDelaySeconds: f['pre-stop-delay'],
  }
  if (f['sidecar-upstream'] !== undefined) o.upstream = f['sidecar-upstream']
  if (f['sidecar-log-level'] !== undefined) o.logLevel = f['sidecar-log-level']
  return validateOptions(o)
}
