import { UnlistedAePolicy } from './ae-registry.js';
import { AeRegistryConfigError } from './errors.js';

/** Where the remote AEs come from (`DICOMESH_AE_SOURCE`). */
export const AeSource = { File: 'file', Kubernetes: 'kubernetes' } as const;
export type AeSource = (typeof AeSource)[keyof typeof AeSource];

/** Where Kubernetes mounts a pod's service account token, CA certificate and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The environment values the registry needs, as libs/config read them (this package never reads
 * `process.env`): the service entry points pass them in.
 */
export interface AeRegistryEnv {
  /** `DICOMESH_AE_SOURCE`: file (default) or kubernetes. */
  readonly aeSource: AeSource;
  /** `DICOMESH_AE_FILE`: the YAML file of remote AEs (source file; unset: none). */
  readonly aeFile: string | undefined;
  /** `DICOMESH_AE_UNLISTED`: what unregistered calling AEs may do (unset: allow-calling for a file, deny for kubernetes). */
  readonly unlisted?: UnlistedAePolicy | undefined;
  /** `DICOMESH_AE_NAMESPACE`: namespace of the ApplicationEntity resources (unset: the pod's, or the kubeconfig context's). */
  readonly namespace: string | undefined;
  /** `KUBECONFIG`: a kubeconfig file (its current context); wins over the in-cluster configuration. */
  readonly kubeconfig: string | undefined;
  /** `KUBERNETES_SERVICE_HOST`, set by the kubelet in every pod. */
  readonly serviceHost: string | undefined;
  /** `KUBERNETES_SERVICE_PORT`, set by the kubelet in every pod. */
  readonly servicePort: number | undefined;
}

/** How to reach the API server. */
export type KubernetesAccess =
  | { readonly kind: 'kubeconfig'; readonly path: string }
  | {
      readonly kind: 'in-cluster';
      readonly host: string;
      readonly port: number;
      /** Holds `token` (re-read as it rotates), `ca.crt` and `namespace`. */
      readonly serviceAccountDir: string;
    };

export type AeRegistrySettings =
  | { readonly source: 'file'; readonly aeFile: string | undefined; readonly unlisted: UnlistedAePolicy }
  | {
      readonly source: 'kubernetes';
      readonly access: KubernetesAccess;
      readonly namespace: string | undefined;
      readonly unlisted: UnlistedAePolicy;
    };

/**
 * Checks the values and picks the source and the way to the API server: KUBECONFIG if set, else the pod's
 * service account. Throws AeRegistryConfigError naming the variable to set.
 */
export function aeRegistrySettings(
  env: AeRegistryEnv,
  serviceAccountDir: string = SERVICE_ACCOUNT_DIR,
): AeRegistrySettings {
  if (env.aeSource === AeSource.File) {
    return { source: 'file', aeFile: env.aeFile, unlisted: env.unlisted ?? UnlistedAePolicy.AllowCalling };
  }
  const unlisted = env.unlisted ?? UnlistedAePolicy.Deny;
  const namespace = env.namespace?.trim() || undefined;
  if (env.kubeconfig !== undefined && env.kubeconfig !== '') {
    return {
      source: 'kubernetes',
      access: { kind: 'kubeconfig', path: env.kubeconfig },
      namespace,
      unlisted,
    };
  }
  if (env.serviceHost === undefined || env.serviceHost === '') {
    throw new AeRegistryConfigError(
      'DICOMESH_AE_SOURCE',
      'kubernetes needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (set in every pod) or KUBECONFIG',
    );
  }
  if (env.servicePort === undefined) {
    throw new AeRegistryConfigError('KUBERNETES_SERVICE_PORT', 'is required with KUBERNETES_SERVICE_HOST');
  }
  return {
    source: 'kubernetes',
    access: { kind: 'in-cluster', host: env.serviceHost, port: env.servicePort, serviceAccountDir },
    namespace,
    unlisted,
  };
}
