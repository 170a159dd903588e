/**
 * The environment variables each service reads, from libs/config's specs (its dist: `make build` first), as
 * JSON keyed by the chart's component names: validate-manifests.py checks that the chart sets no DICOMESH_*
 * or OTEL_* variable a component does not read (such a setting is silently ignored: the chart once set
 * DICOMESH_AE_SOURCE on retrieve, which read only DICOMESH_AE_FILE).
 *
 * usage: node test/chart/service-env-names.ts > names.json   (Node 24: type stripping)
 */
import {
  gatewaySpec,
  querySpec,
  retrieveSpec,
  storageSpec,
  verificationSpec,
} from '../../libs/config/dist/index.js';

type Spec = Readonly<Record<string, { readonly env: string }>>;

const envNames = (spec: Spec): string[] =>
  Object.values(spec)
    .map((field) => field.env)
    .sort();

const specs: Record<string, Spec> = {
  gateway: gatewaySpec,
  verification: verificationSpec,
  storage: storageSpec,
  query: querySpec,
  retrieve: retrieveSpec,
};
process.stdout.write(
  `${JSON.stringify(Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, envNames(spec)])))}\n`,
);
