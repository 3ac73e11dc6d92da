/**
 * Permissions as comparable strings `group/resource[/subresource] verb` (group "" for core), from
 * RBAC rules and from the API server's audit log, for the least-privilege test.
 */

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs?: readonly string[];
}

interface RbacObject {
  readonly kind?: string;
  readonly rules?: readonly PolicyRule[];
}

/** Every (group, resource, verb) the ClusterRoles and Roles among `objects` grant. */
export function grantedPermissions(objects: readonly unknown[]): Set<string> {
  const roles = (objects as RbacObject[]).filter((o) => o.kind === "ClusterRole" || o.kind === "Role");
  const permissions = roles.flatMap((role) =>
    (role.rules ?? []).flatMap((rule) =>
      (rule.apiGroups ?? []).flatMap((group) =>
        (rule.resources ?? []).flatMap((resource) => (rule.verbs ?? []).map((verb) => `${group}/${resource} ${verb}`)),
      ),
    ),
  );
  return new Set(permissions);
}

interface AuditEvent {
  readonly verb?: string;
  readonly user?: { username?: string };
  readonly objectRef?: { apiGroup?: string; resource?: string; subresource?: string };
}

/** Every (group, resource, verb) `username` requested, allowed or not, per the JSON-lines audit log. */
export function usedPermissions(auditLog: string, username: string): Set<string> {
  const used = new Set<string>();
  for (const line of auditLog.split("\n")) {
    if (line === "") continue;
    const event = JSON.parse(line) as AuditEvent;
    const ref = event.objectRef;
    // Requests without an object (discovery, /version) are non-resource URLs every user may get.
    if (event.user?.username !== username || ref?.resource === undefined) continue;
    const resource = ref.subresource === undefined ? ref.resource : `${ref.resource}/${ref.subresource}`;
    used.add(`${ref.apiGroup ?? ""}/${resource} ${event.verb ?? "?"}`);
  }
  return used;
}

/** The namespace of every request `username` made on `resource` ("" for a cluster-wide one). */
export function namespacesRequested(auditLog: string, username: string, resource: string): Set<string> {
  const namespaces = new Set<string>();
  for (const line of auditLog.split("\n")) {
    if (line === "") continue;
    const event = JSON.parse(line) as AuditEvent & { objectRef?: { namespace?: string } };
    if (event.user?.username === username && event.objectRef?.resource === resource) namespaces.add(event.objectRef.namespace ?? "");
  }
  return namespaces;
}
