/**
 * Who may call the gateway, and what each calling AE may do, from the AE registry (an AE file, or the
 * namespace's `ApplicationEntity` resources, watched). With the unlisted policy `deny`, only registered AE
 * titles may associate (others: A-ASSOCIATE-RJ 1/1/3, calling AE title not recognized), and each may perform
 * only the operations its entry grants; with `allow-calling` anyone may call and do everything but be a move
 * destination. DICOMESH_ALLOWED_CALLING_AE_TITLES, when set, narrows either further.
 */
import { type AeOperation, type AeRegistry, UnlistedAePolicy } from '@dicomesh/k8s-registry';
import type { Logger } from '@dicomesh/telemetry';

export interface CallingAePolicyOptions {
  readonly registry: AeRegistry;
  /** What an unregistered calling AE may do (the registry's own policy, from its settings). */
  readonly unlisted: UnlistedAePolicy;
  /** DICOMESH_ALLOWED_CALLING_AE_TITLES: only these may associate; undefined: no such limit. */
  readonly allowedCallingAeTitles?: readonly string[] | undefined;
  readonly logger: Logger;
}

export interface CallingAePolicy {
  /**
   * The calling AE titles the acceptor lets associate (undefined: any). One array, kept current in place as
   * the registry changes, so a newly applied ApplicationEntity may associate without a restart.
   */
  readonly allowedCallingAeTitles: readonly string[] | undefined;
  /** Whether this calling AE may perform the operation now (the registry is asked at each request). */
  allows(callingAeTitle: string, operation: AeOperation): boolean;
  /** Stops following the registry. */
  close(): void;
}

export function callingAePolicy(options: CallingAePolicyOptions): CallingAePolicy {
  const { registry, allowedCallingAeTitles: onlyThese } = options;
  const allows = (callingAeTitle: string, operation: AeOperation): boolean =>
    registry.allows(callingAeTitle, operation);
  if (options.unlisted !== UnlistedAePolicy.Deny) {
    return { allowedCallingAeTitles: onlyThese, allows, close: () => {} };
  }
  const allowed: string[] = [];
  const refresh = (): void => {
    const registered = registry
      .entries()
      .map((entry) => entry.aeTitle)
      .filter((title) => onlyThese === undefined || onlyThese.includes(title));
    allowed.splice(0, allowed.length, ...registered);
    options.logger.info('calling AE titles allowed', { count: allowed.length });
  };
  refresh();
  const unsubscribe = registry.onChange(refresh);
  return { allowedCallingAeTitles: allowed, allows, close: unsubscribe };
}
