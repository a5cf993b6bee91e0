/** CPU and memory of a function (`limits`, `requests`). */
export interface StackResources {
  /** e.g. `128Mi`. */
  memory?: string;
  /** e.g. `100m`. */
  cpu?: string;
}

/** One function of a stack.yml (OpenFaaS schema). */
export interface StackFunction {
  /** Key under `functions:`. */
  name: string;
  /** Template (language). */
  lang?: string;
  /** Handler folder, relative to the stack file. */
  handler?: string;
  /** Image (for skiff: the bundle name). */
  image?: string;
  /** Process the watchdog runs. */
  fprocess?: string;
  /** Namespace. */
  namespace?: string;
  /** Environment variables. */
  environment: Record<string, string>;
  /** Files whose `environment:` maps are merged in (later wins). */
  environment_file: string[];
  /** Secret names. */
  secrets: string[];
  /** Labels. */
  labels: Record<string, string>;
  /** Annotations. */
  annotations: Record<string, string>;
  /** Limits. */
  limits?: StackResources;
  /** Requests. */
  requests?: StackResources;
  /** Placement constraints. */
  constraints: string[];
  /** Build arguments. */
  build_args: Record<string, string>;
  /** Read-only root filesystem. */
  readonly_root_filesystem: boolean;
  /** Do not build (image is pre-built). */
  skip_build: boolean;
  /** 1-based line of each field (and `_` for the function key), for error messages. */
  lines: Record<string, number>;
}

/** A parsed stack.yml. */
export interface Stack {
  /** Path (or URL) it came from. */
  file: string;
  /** Folder handler paths are relative to. */
  dir: string;
  /** `provider.gateway`. */
  gateway?: string;
  /** Functions in file order. */
  functions: StackFunction[];
  /** `configuration.copy`: extra paths copied into each handler. */
  copy: string[];
  /** `configuration.templates` (accepted; local templates are used). */
  templates: Array<{ name: string; source?: string }>;
}
