/**
 * Authentication and authorization of requests to the controller's own HTTP endpoints through the
 * cluster, as controller-runtime's secure metrics serving does: the bearer token is checked with a
 * TokenReview, then the caller's right to `get` the path with a SubjectAccessReview (a non-resource
 * URL, granted by a ClusterRole rule `nonResourceURLs: ["/metrics"]`). Decisions are cached briefly
 * so a scrape every few seconds costs the API server nothing noticeable.
 */
import { createHash } from "node:crypto";
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";

export type AuthDecision =
  { readonly allowed: true; readonly user: string } | { readonly allowed: false; readonly code: 401 | 403; readonly message: string };

/** Decides on the request's Authorization header for a path; never throws (a failed review denies). */
export type RequestAuthorizer = (authorization: string | undefined, path: string) => Promise<AuthDecision>;

export interface KubernetesAuthorizerOptions {
  /** How long a decision for the same token and path is reused. Default 10 s. */
  readonly cacheTtlMs?: number;
  readonly now?: () => number;
}

export function kubernetesRequestAuthorizer(kubeConfig: KubeConfig, options: KubernetesAuthorizerOptions = {}): RequestAuthorizer {
  const authn = kubeConfig.makeApiClient(AuthenticationV1Api);
  const authz = kubeConfig.makeApiClient(AuthorizationV1Api);
  const ttlMs = options.cacheTtlMs ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { decision: AuthDecision; expiresAt: number }>();

  const review = async (token: string, path: string): Promise<AuthDecision> => {
    const tokenReview = await authn.createTokenReview({ body: { spec: { token } } });
    const user = tokenReview.status?.user;
    if (tokenReview.status?.authenticated !== true || user?.username === undefined) {
      return { allowed: false, code: 401, message: "the bearer token was not accepted by the cluster" };
    }
    const access = await authz.createSubjectAccessReview({
      body: {
        spec: {
          user: user.username,
          uid: user.uid,
          groups: user.groups,
          extra: user.extra,
          nonResourceAttributes: { path, verb: "get" },
        },
      },
    });
    return access.status?.allowed === true
      ? { allowed: true, user: user.username }
      : { allowed: false, code: 403, message: `${user.username} may not get ${path}` };
  };

  return async (authorization, path) => {
    const token = /^Bearer (\S+)$/i.exec(authorization ?? "")?.[1];
    if (token === undefined) {
      return { allowed: false, code: 401, message: "a bearer token is required" };
    }
    // The token itself is never kept: only its digest keys the cache.
    const key = `${createHash("sha256").update(token).digest("hex")} ${path}`;
    const cached = cache.get(key);
    if (cached !== undefined && cached.expiresAt > now()) {
      return cached.decision;
    }
    const decision = await review(token, path).catch((): AuthDecision => ({
      allowed: false,
      code: 403,
      message: "the cluster could not review the request",
    }));
    cache.set(key, { decision, expiresAt: now() + ttlMs });
    for (const [k, v] of cache) {
      if (v.expiresAt <= now()) cache.delete(k);
    }
    return decision;
  };
}

/** True for addresses only this machine reaches: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The guard cluster mode puts on /metrics and /status: none on a loopback address (a developer's
 * machine, a sidecar), the cluster's TokenReview and SubjectAccessReview on any other.
 */
export function clusterEndpointAuthorizer(host: string, kubeConfig: KubeConfig): RequestAuthorizer | undefined {
  return isLoopbackHost(host) ? undefined : kubernetesRequestAuthorizer(kubeConfig);
}
