/**
 * Where remote AEs come from, as the chart sets it: an AE file, or the namespace's `ApplicationEntity`
 * resources. Shared by every service that consults the AE registry (the gateway for calling-AE permissions,
 * retrieve for move destinations); @dicomesh/k8s-registry turns these values into its settings.
 */
import { oneOf, port, str } from './env-readers.js';

/** `DICOMESH_AE_SOURCE`. */
export const AE_SOURCES = ['file', 'kubernetes'] as const;
/** `DICOMESH_AE_UNLISTED`: what a calling AE that is not registered may do. */
export const UNLISTED_AE_POLICIES = ['deny', 'allow-calling'] as const;

export const aeRegistrySpec = {
  aeSource: oneOf(AE_SOURCES, {
    env: 'DICOMESH_AE_SOURCE',
    default: 'file',
    description:
      'Where remote AEs are registered: file (DICOMESH_AE_FILE) or kubernetes (ApplicationEntity resources, watched).',
  }),
  aeFile: str({
    env: 'DICOMESH_AE_FILE',
    optional: true,
    description:
      'YAML file of remote AEs (aeTitle, host, port) for the file source, each allowed everything (a C-MOVE destination too); unset: none.',
  }),
  aeNamespace: str({
    env: 'DICOMESH_AE_NAMESPACE',
    optional: true,
    description:
      "Namespace of the ApplicationEntity resources (kubernetes source); unset: the pod's, or the kubeconfig context's.",
  }),
  aeUnlisted: oneOf(UNLISTED_AE_POLICIES, {
    env: 'DICOMESH_AE_UNLISTED',
    optional: true,
    description:
      'What an unregistered calling AE may do: deny, or allow-calling (store, find, move, get); unset: allow-calling for the file source, deny for kubernetes.',
  }),
  kubeconfig: str({
    env: 'KUBECONFIG',
    optional: true,
    description:
      "A kubeconfig file for the kubernetes source (its current context); unset: the pod's service account.",
  }),
  kubernetesServiceHost: str({
    env: 'KUBERNETES_SERVICE_HOST',
    optional: true,
    description: 'The API server, as the kubelet sets it in every pod.',
  }),
  kubernetesServicePort: port({
    env: 'KUBERNETES_SERVICE_PORT',
    optional: true,
    description: 'The API server port, as the kubelet sets it in every pod.',
  }),
} as const;
