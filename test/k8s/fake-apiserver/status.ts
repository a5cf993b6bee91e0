/**
 * metav1.Status bodies exactly as kube-apiserver writes them (k8s.io/apimachinery/pkg/api/errors):
 * `kind: Status`, `apiVersion: v1`, `metadata: {}`, `status: Failure`, a message, a reason, details, and the code.
 */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface ApiStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[] };
  code: number;
}

/** The resource a request is about: `deployments` in group `apps`, `secrets` in the core group (""). */
export interface ResourceRef {
  resource: string;
  group: string;
  /** Kind, for 422 messages (`Deployment.apps "x" is invalid`). */
  kind: string;
}

/** `deployments.apps`, or `secrets` for the core group (errors.NewNotFound's qualified resource). */
function qualified(r: ResourceRef): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

function status(code: number, reason: string, message: string, details?: ApiStatus['details']): ApiStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

export function notFound(r: ResourceRef, name: string): ApiStatus {
  return status(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.resource });
}

/** What the server answers for a path it does not serve (an API group that is not installed, such as metrics.k8s.io). */
export function pathNotFound(): ApiStatus {
  return status(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(r: ResourceRef, name: string): ApiStatus {
  return status(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.resource });
}

/** errors.NewConflict with the registry's OptimisticLockErrorMsg. */
export function conflict(
  r: ResourceRef,
  name: string,
  why = 'the object has been modified; please apply your changes to the latest version and try again',
): ApiStatus {
  return status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
    name,
    group: r.group,
    kind: r.resource,
  });
}

/** errors.NewInvalid: 422, reason Invalid, one cause per field error, the message joining them. */
export function invalid(r: ResourceRef, name: string, causes: StatusCause[]): ApiStatus {
  const kind = r.group ? `${r.kind}.${r.group}` : r.kind;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `${kind} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
  return status(422, 'Invalid', message, { name, group: r.group, kind: r.kind, causes });
}

export function badRequest(message: string): ApiStatus {
  return status(400, 'BadRequest', message);
}

/** A watch from a version the server no longer has (sent as an ERROR event, or as the answer). */
export function expired(requested: string, oldest: number): ApiStatus {
  return status(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

export function methodNotAllowed(): ApiStatus {
  return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

/** A successful DELETE of a resource that does not return the deleted object (metav1.Status, status Success). */
export function deleted(r: ResourceRef, name: string, uid: string): ApiStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: r.group, kind: r.resource, uid },
    code: 200,
  };
}
