/**
 * The images a workload runs, read from its task definition's containers, and the ECR repository
 * each comes from: a service's shared `vitcord/<service>` repository, wherever it is (prod pulls
 * from dev's), or a repository the stack declares. A worker may run a web service's image: prod's
 * jobs runs the api's.
 */
import { REPOSITORY_PREFIX } from "../components/config/registry";
import {
  list,
  obj,
  ownerOf,
  RecordedResource,
  serviceTaskDefinition,
  str,
  TYPES,
} from "./resources";

export interface WorkloadImage {
  readonly container: string;
  /** The full image reference, or null when it is not known at plan time. */
  readonly image: string | null;
  /** The stack's ECR repository the image is in, and the component that owns it. */
  readonly repository: {
    readonly name: string;
    readonly component: string;
    readonly componentType: string;
  } | null;
  /** The tag (`1.0.0`) or digest (`sha256:…`) after the repository, when it is one of ours. */
  readonly reference: string | null;
}

function containers(definition: RecordedResource): Record<string, unknown>[] {
  const value = definition.inputs.containerDefinitions;
  if (typeof value !== "string") return list(value).map(obj);
  try {
    return list(JSON.parse(value)).map(obj);
  } catch {
    return [];
  }
}

/** `<account>.dkr.ecr.<region>.amazonaws.com/vitcord/<service>` then `:<tag>` or `@<digest>`. */
const SHARED_REPOSITORY_IMAGE = new RegExp(
  `^\\d{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com/(${REPOSITORY_PREFIX}/([a-z0-9-]+))[:@](.+)$`,
);

function imageOf(
  all: readonly RecordedResource[],
  container: Record<string, unknown>,
): WorkloadImage {
  const image = str(container.image) ?? null;
  const name = str(container.name) ?? "?";
  const shared = image === null ? null : SHARED_REPOSITORY_IMAGE.exec(image);
  if (shared !== null) {
    const [, repository, service, reference] = shared;
    // A shared repository belongs to its web service, whichever stack created it.
    return {
      container: name,
      image,
      repository: {
        name: repository!,
        component: service!,
        componentType: "vitcord:service:LoadBalancedService",
      },
      reference: reference!,
    };
  }
  for (const repository of all.filter((r) => r.type === TYPES.repository)) {
    const url = str(repository.state.repositoryUrl);
    if (url === undefined || image === null) continue;
    if (image.startsWith(`${url}:`) || image.startsWith(`${url}@`)) {
      const owner = ownerOf(all, repository);
      return {
        container: name,
        image,
        repository: {
          name: str(repository.inputs.name) ?? repository.name,
          component: owner.name,
          componentType: owner.type,
        },
        reference: image.slice(url.length + 1),
      };
    }
  }
  return { container: name, image, repository: null, reference: null };
}

/** The images of the services' task definitions, container by container. */
export function workloadImages(
  all: readonly RecordedResource[],
  services: readonly RecordedResource[],
): WorkloadImage[] {
  return services.flatMap((service) => {
    const definition = serviceTaskDefinition(all, service);
    return definition ? containers(definition).map((c) => imageOf(all, c)) : [];
  });
}

/** "the api service's", "the jobs worker's" */
function whose(component: string, type: string): string {
  const kind = type.endsWith("LoadBalancedService")
    ? "service"
    : type.endsWith("Worker")
      ? "worker"
      : "component";
  return `the ${component} ${kind}'s`;
}

/**
 * One image in words, for a workload in `component`: "ECR repository vitcord/api, tag 1.0.0 (the api
 * service's image)" when it runs another component's image; a digest shows its first 12 digits.
 */
export function describeImage(image: WorkloadImage, component: string): string {
  if (image.image === null) return "unknown at plan time";
  if (image.repository === null || image.reference === null) return image.image;
  const { reference, repository } = image;
  const at = reference.startsWith("sha256:")
    ? `digest ${reference.slice(0, 19)}…`
    : `tag ${reference}`;
  const shared =
    repository.component === component
      ? ""
      : ` (${whose(repository.component, repository.componentType)} image)`;
  return `ECR repository ${repository.name}, ${at}${shared}`;
}
